#include "libs/pg/pool.h"

#include <libpq-fe.h>

#include <pqxx/except>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "libs/common/backoff.h"
#include "libs/common/status_macros.h"
#include "libs/pg/errors.h"

namespace crmsync::pg {
namespace {

std::string QuoteConninfoValue(absl::string_view value) {
  return absl::StrCat("'", absl::StrReplaceAll(value, {{"\\", "\\\\"}, {"'", "\\'"}}), "'");
}

// Parses `url` with libpq and returns its options as "key='value' ..." with ours added.
absl::StatusOr<std::string> BuildConninfo(const PoolOptions& options) {
  char* error = nullptr;
  const std::string url(options.database_url);
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &error);
  if (parsed == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return absl::InvalidArgumentError(absl::StrCat("database URL does not parse: ", message));
  }
  std::string conninfo;
  std::string extra_options;
  for (PQconninfoOption* option = parsed; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const absl::string_view keyword = option->keyword;
    if (keyword == "port") {
      // libpq accepts any text here and fails only at connect time; a comma separates the
      // ports of several hosts.
      for (absl::string_view port : absl::StrSplit(option->val, ',')) {
        int number = 0;
        if (!absl::SimpleAtoi(port, &number) || number < 1 || number > 65535) {
          absl::Status invalid = absl::InvalidArgumentError(
              absl::StrCat("database URL has an invalid port \"", port, "\""));
          PQconninfoFree(parsed);
          return invalid;
        }
      }
    }
    if (keyword == "options") {
      extra_options = option->val;
    } else if (keyword != "application_name" && keyword != "connect_timeout") {
      absl::StrAppend(&conninfo, keyword, "=", QuoteConninfoValue(option->val), " ");
    }
  }
  PQconninfoFree(parsed);
  absl::StrAppend(
      &conninfo, "application_name=", QuoteConninfoValue(options.application_name),
      " connect_timeout=", std::max<int64_t>(1, absl::ToInt64Seconds(options.connect_timeout)));
  if (!options.schema.empty()) {
    absl::StrAppend(&extra_options, " -csearch_path=", options.schema);
  }
  if (!extra_options.empty()) {
    absl::StrAppend(&conninfo, " options=", QuoteConninfoValue(extra_options));
  }
  return conninfo;
}

}  // namespace

absl::Status ValidateDatabaseUrl(absl::string_view url) {
  if (url.empty()) return absl::InvalidArgumentError("database URL is empty");
  PoolOptions options;
  options.database_url = std::string(url);
  return BuildConninfo(options).status();
}

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(PoolOptions options) {
  if (options.max_connections < 1) {
    return absl::InvalidArgumentError("pool needs at least one connection");
  }
  if (options.database_url.empty()) return absl::InvalidArgumentError("database URL is empty");
  for (char c : options.schema) {
    if (!(std::islower(static_cast<unsigned char>(c)) || c == '_')) {
      return absl::InvalidArgumentError(
          absl::StrCat("schema \"", options.schema, "\" must be lower-case letters and '_'"));
    }
  }
  ASSIGN_OR_RETURN(std::string conninfo, BuildConninfo(options));
  return std::unique_ptr<Pool>(new Pool(std::move(options), std::move(conninfo)));
}

Pool::Pool(PoolOptions options, std::string conninfo)
    : options_(std::move(options)), conninfo_(std::move(conninfo)) {}

Pool::~Pool() = default;

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Connect() {
  try {
    auto connection = std::make_unique<pqxx::connection>(conninfo_);
    for (const EmbeddedFile& statement : options_.statements) {
      connection->prepare(std::string(statement.name), std::string(statement.text));
    }
    return connection;
  } catch (const std::exception& error) {
    // A failed connect is a broken_connection whatever libpq says; keep its reason.
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: ", StatusFromException(error).message()));
  }
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Acquire() {
  {
    std::unique_lock lock(mutex_);
    const bool available =
        released_.wait_for(lock, absl::ToChronoNanoseconds(options_.acquire_timeout),
                           [&] { return !idle_.empty() || open_ < options_.max_connections; });
    if (!available) {
      return absl::UnavailableError(
          absl::StrCat("all ", options_.max_connections, " database connections are busy"));
    }
    if (!idle_.empty()) {
      auto connection = std::move(idle_.front());
      idle_.pop_front();
      return connection;
    }
    ++open_;  // reserve the slot; connect outside the lock
  }
  auto connection = Connect();
  if (!connection.ok()) {
    std::lock_guard lock(mutex_);
    --open_;
    released_.notify_one();
  }
  return connection;
}

void Pool::Release(std::unique_ptr<pqxx::connection> connection) {
  std::lock_guard lock(mutex_);
  if (connection != nullptr && connection->is_open()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
  released_.notify_one();
}

absl::Status Pool::TransactOnce(pqxx::connection& connection, const Work& work,
                                Isolation isolation) {
  auto run = [&](auto& tx) -> absl::Status {
    RETURN_IF_ERROR(work(tx));
    tx.commit();
    return absl::OkStatus();
  };
  try {
    switch (isolation) {
      case Isolation::kReadCommitted: {
        pqxx::transaction<pqxx::read_committed> tx(connection);
        return run(tx);
      }
      case Isolation::kRepeatableRead: {
        pqxx::transaction<pqxx::repeatable_read> tx(connection);
        return run(tx);
      }
      case Isolation::kSerializable: {
        pqxx::transaction<pqxx::serializable> tx(connection);
        return run(tx);
      }
    }
    return absl::InternalError("unknown isolation level");
  } catch (const std::exception& error) {
    return StatusFromException(error);
  }
}

absl::Status Pool::Transact(const Work& work, Isolation isolation) {
  absl::BitGen random;
  const BackoffPolicy conflict_backoff{absl::Milliseconds(5), absl::Milliseconds(200), 3.0};
  absl::Status status;
  for (int attempt = 1; attempt <= options_.max_transaction_attempts; ++attempt) {
    ASSIGN_OR_RETURN(auto connection, Acquire());
    status = TransactOnce(*connection, work, isolation);
    Release(std::move(connection));
    if (!IsRetryableTransactionError(status)) return status;
    std::this_thread::sleep_for(
        absl::ToChronoNanoseconds(BackoffDelay(conflict_backoff, attempt, random)));
  }
  return status;
}

absl::Status Pool::Ping() {
  return Transact([](pqxx::transaction_base& tx) {
    tx.exec("SELECT 1");
    return absl::OkStatus();
  });
}

}  // namespace crmsync::pg

#include "libs/pg/pool.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <pqxx/except>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libs/common/backoff.h"
#include "libs/common/status_macros.h"
#include "libs/pg/errors.h"

namespace crmsync::pg {
namespace {

constexpr char kRedacted[] = "********";

std::string QuoteConninfoValue(absl::string_view value) {
  return absl::StrCat("'", absl::StrReplaceAll(value, {{"\\", "\\\\"}, {"'", "\\'"}}), "'");
}

// Replaces the value of each "password" parameter in `url` ("password=v" in a URI query,
// "password = 'v'" in a keyword string), up to the next '&' or blank or its closing quote.
std::string RedactPasswordParameters(std::string url) {
  const std::string key = "password";
  for (size_t at = url.find(key); at != std::string::npos; at = url.find(key, at + 1)) {
    size_t start = at + key.size();
    while (start < url.size() && absl::ascii_isspace(url[start])) ++start;
    if (start >= url.size() || url[start] != '=') continue;
    ++start;
    while (start < url.size() && absl::ascii_isspace(url[start])) ++start;
    size_t end = start;
    if (end < url.size() && url[end] == '\'') {
      // Only what is inside the quotes, so that a missing closing quote is still reported.
      start = ++end;
      for (; end < url.size() && url[end] != '\''; ++end) {
        if (url[end] == '\\') ++end;
      }
      end = std::min(end, url.size());
    } else {
      while (end < url.size() && url[end] != '&' && !absl::ascii_isspace(url[end])) ++end;
    }
    url.replace(start, end - start, kRedacted);
  }
  return url;
}

// `url` with every password it may hold replaced, even when it does not parse: the one after
// "user:" in a URI's authority (up to its last '@') and every password parameter.
std::string RedactPasswords(absl::string_view url) {
  std::string redacted(url);
  if (const size_t scheme_end = redacted.find("://"); scheme_end != std::string::npos) {
    const size_t authority = scheme_end + 3;
    const size_t at = redacted.rfind('@');
    if (at != std::string::npos && at > authority) {
      const size_t colon = redacted.find(':', authority);
      if (colon != std::string::npos && colon < at) {
        redacted.replace(colon + 1, at - colon - 1, kRedacted);
      }
    }
  }
  return RedactPasswordParameters(std::move(redacted));
}

// The conninfo Pool connects with, and the password it holds (to scrub it from messages).
struct Conninfo {
  std::string text;
  std::string password;
};

// libpq's complaint about `url`, which often quotes the whole URL: taken from the redacted URL
// so that no password can appear in it.
std::string ParseError(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(RedactPasswords(url).c_str(), &error);
  std::string message = error != nullptr ? error : "";
  PQfreemem(error);
  PQconninfoFree(parsed);
  while (!message.empty() && message.back() == '\n') message.pop_back();
  if (message.empty()) message = "malformed connection string";
  return message;
}

std::string Milliseconds(absl::Duration duration) {
  return absl::StrCat(absl::ToInt64Milliseconds(duration));
}

// Keywords the pool sets itself: a value for them in the URL is ignored.
bool SetByPool(absl::string_view keyword) {
  return keyword == "application_name" || keyword == "connect_timeout" ||
         absl::StartsWith(keyword, "keepalives");
}

// Parses `url` with libpq and returns its options as "key='value' ..." with ours added, but
// without connect_timeout, which Connect adds per connection.
absl::StatusOr<Conninfo> BuildConninfo(const PoolOptions& options) {
  char* error = nullptr;
  const std::string url(options.database_url);
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &error);
  if (parsed == nullptr) {
    PQfreemem(error);
    return absl::InvalidArgumentError(
        absl::StrCat("database URL does not parse: ", ParseError(url)));
  }
  Conninfo conninfo;
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
    if (keyword == "password") conninfo.password = option->val;
    if (keyword == "options") {
      extra_options = option->val;
    } else if (!SetByPool(keyword)) {
      absl::StrAppend(&conninfo.text, keyword, "=", QuoteConninfoValue(option->val), " ");
    }
  }
  PQconninfoFree(parsed);
  absl::StrAppend(&conninfo.text,
                  "application_name=", QuoteConninfoValue(options.application_name));
  const ConnectionSettings& settings = options.connection;
  if (settings.keepalives_idle > absl::ZeroDuration()) {
    absl::StrAppend(&conninfo.text, " keepalives=1 keepalives_idle=",
                    std::max<int64_t>(1, absl::ToInt64Seconds(settings.keepalives_idle)),
                    " keepalives_interval=", absl::ToInt64Seconds(settings.keepalives_interval),
                    " keepalives_count=", settings.keepalives_count);
  } else {
    absl::StrAppend(&conninfo.text, " keepalives=0");
  }
  // Sent in the startup packet: each connection starts with these settings at no extra cost.
  absl::StrAppend(&extra_options, " -cstatement_timeout=", Milliseconds(settings.statement_timeout),
                  " -clock_timeout=", Milliseconds(settings.lock_timeout),
                  " -cidle_in_transaction_session_timeout=",
                  Milliseconds(settings.idle_in_transaction_timeout));
  if (!options.schema.empty()) {
    absl::StrAppend(&extra_options, " -csearch_path=", options.schema);
  }
  absl::StrAppend(&conninfo.text, " options=", QuoteConninfoValue(extra_options));
  return conninfo;
}

// True when an idle connection can be lent: libpq still thinks it open and nothing arrived on
// its socket while idle. A server that closed the connection (restart, pg_terminate_backend,
// idle timeout) sends a FATAL message and EOF, which make the socket readable.
bool LooksAlive(const pqxx::connection& connection) {
  if (!connection.is_open() || connection.sock() < 0) return false;
  pollfd socket{connection.sock(), POLLIN, 0};
  return poll(&socket, 1, 0) == 0;
}

}  // namespace

absl::Status ValidateDatabaseUrl(absl::string_view url) {
  if (url.empty()) return absl::InvalidArgumentError("database URL is empty");
  PoolOptions options;
  options.database_url = std::string(url);
  return BuildConninfo(options).status();
}

absl::Status ValidateConnectionSettings(const ConnectionSettings& settings) {
  for (const auto& [name, value] :
       {std::pair{"statement_timeout", settings.statement_timeout},
        {"lock_timeout", settings.lock_timeout},
        {"idle_in_transaction_timeout", settings.idle_in_transaction_timeout},
        {"keepalives_idle", settings.keepalives_idle}}) {
    if (value < absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(name, " must not be negative"));
    }
  }
  if (settings.keepalives_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("keepalives_interval must be at least 1s");
  }
  if (settings.keepalives_count < 1) {
    return absl::InvalidArgumentError("keepalives_count must be at least 1");
  }
  return absl::OkStatus();
}

bool HoldsPassword(absl::string_view url) { return RedactPasswords(url) != url; }

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
  RETURN_IF_ERROR(ValidateConnectionSettings(options.connection));
  ASSIGN_OR_RETURN(Conninfo conninfo, BuildConninfo(options));
  return std::unique_ptr<Pool>(
      new Pool(std::move(options), std::move(conninfo.text), std::move(conninfo.password)));
}

Pool::Pool(PoolOptions options, std::string conninfo, std::string password)
    : options_(std::move(options)),
      conninfo_(std::move(conninfo)),
      password_(std::move(password)) {}

Pool::~Pool() = default;

std::string Pool::Scrub(absl::string_view message) const {
  if (password_.empty()) return std::string(message);
  return absl::StrReplaceAll(message, {{password_, kRedacted}});
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Connect(absl::Time deadline) {
  // libpq counts connect_timeout in whole seconds.
  const absl::Duration timeout = std::min(options_.connect_timeout, deadline - absl::Now());
  const int64_t seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1))));
  try {
    auto connection =
        std::make_unique<pqxx::connection>(absl::StrCat(conninfo_, " connect_timeout=", seconds));
    for (const EmbeddedFile& statement : options_.statements) {
      connection->prepare(std::string(statement.name), std::string(statement.text));
    }
    return connection;
  } catch (const std::exception& error) {
    // A failed connect is a broken_connection whatever libpq says; keep its reason.
    const std::string reason = Scrub(StatusFromException(error).message());
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("deadline passed connecting to the database: ", reason));
    }
    return absl::UnavailableError(absl::StrCat("cannot connect to the database: ", reason));
  }
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Acquire(bool fresh, absl::Time deadline) {
  const absl::Time give_up = std::min(absl::Now() + options_.acquire_timeout, deadline);
  std::vector<std::unique_ptr<pqxx::connection>> discarded;  // closed outside the lock
  {
    std::unique_lock lock(mutex_);
    while (true) {
      while (!idle_.empty()) {
        auto connection = std::move(idle_.front());
        idle_.pop_front();
        if (!fresh && LooksAlive(*connection)) return connection;
        if (fresh && open_ < options_.max_connections) {
          idle_.push_front(std::move(connection));
          break;
        }
        discarded.push_back(std::move(connection));
        --open_;
      }
      if (open_ < options_.max_connections) break;
      if (released_.wait_until(lock, absl::ToChronoTime(give_up)) == std::cv_status::timeout &&
          idle_.empty() && open_ >= options_.max_connections) {
        if (give_up >= deadline) {
          return absl::DeadlineExceededError("deadline passed waiting for a database connection");
        }
        return absl::UnavailableError(
            absl::StrCat("all ", options_.max_connections, " database connections are busy"));
      }
    }
    ++open_;  // reserve the slot; connect outside the lock
  }
  discarded.clear();
  auto connection = Connect(deadline);
  if (!connection.ok()) {
    std::lock_guard lock(mutex_);
    --open_;
    released_.notify_one();
  }
  return connection;
}

void Pool::Release(std::unique_ptr<pqxx::connection> connection, bool reusable) {
  {
    std::lock_guard lock(mutex_);
    if (reusable && connection != nullptr && connection->is_open()) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
    released_.notify_one();
  }
  connection.reset();  // closing sends a message to the server: not under the lock
}

Pool::Attempt Pool::TransactOnce(pqxx::connection& connection, const Work& work,
                                 Isolation isolation, absl::Time deadline) {
  bool begun = false;
  bool deadline_bounds_statements = false;  // statement_timeout lowered to the time left
  auto run = [&](auto& tx) -> absl::Status {
    begun = true;
    if (deadline != absl::InfiniteFuture()) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        return absl::DeadlineExceededError("deadline passed before the database work began");
      }
      const absl::Duration statement_timeout = options_.connection.statement_timeout;
      if (statement_timeout == absl::ZeroDuration() || left < statement_timeout) {
        // SET LOCAL takes no parameter; set_config(…, true) is the same, with one.
        tx.exec_params(
            "SELECT set_config('statement_timeout', $1, true)",
            std::to_string(absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1)))));
        deadline_bounds_statements = true;
      }
    }
    RETURN_IF_ERROR(work(tx));
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError("deadline passed before the commit; rolled back");
    }
    tx.commit();
    return absl::OkStatus();
  };
  Attempt attempt;
  try {
    switch (isolation) {
      case Isolation::kReadCommitted: {
        pqxx::transaction<pqxx::read_committed> tx(connection);
        attempt.status = run(tx);
        break;
      }
      case Isolation::kRepeatableRead: {
        pqxx::transaction<pqxx::repeatable_read> tx(connection);
        attempt.status = run(tx);
        break;
      }
      case Isolation::kSerializable: {
        pqxx::transaction<pqxx::serializable> tx(connection);
        attempt.status = run(tx);
        break;
      }
    }
    attempt.reusable = true;
  } catch (const pqxx::broken_connection& error) {
    attempt.status = StatusFromException(error);
    attempt.broken_before_begin = !begun;
  } catch (const pqxx::statement_completion_unknown& error) {
    attempt.status = StatusFromException(error);
  } catch (const pqxx::sql_error& error) {
    attempt.status = StatusFromException(error);
    attempt.reusable = true;
  } catch (const pqxx::transaction_rollback& error) {
    attempt.status = StatusFromException(error);
    attempt.reusable = true;
  } catch (const std::exception& error) {
    // in_doubt_error, usage or conversion errors: the connection's state is unknown.
    attempt.status = StatusFromException(error);
  }
  // A statement_timeout set from the deadline may fire a hair before the client's clock says
  // the deadline passed.
  if (attempt.status.code() == absl::StatusCode::kDeadlineExceeded &&
      (deadline_bounds_statements || absl::Now() >= deadline) &&
      !absl::StartsWith(attempt.status.message(), "deadline passed")) {
    attempt.status = absl::DeadlineExceededError(
        absl::StrCat("deadline passed during database work: ", attempt.status.message()));
  }
  return attempt;
}

absl::Status Pool::Transact(const Work& work, Isolation isolation, absl::Time deadline) {
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError("deadline passed before the database work began");
  }
  absl::BitGen random;
  const BackoffPolicy conflict_backoff{absl::Milliseconds(5), absl::Milliseconds(200), 3.0};
  bool fresh = false;
  for (int attempt = 1;;) {
    ASSIGN_OR_RETURN(auto connection, Acquire(fresh, deadline));
    Attempt result = TransactOnce(*connection, work, isolation, deadline);
    Release(std::move(connection), result.reusable);
    if (result.broken_before_begin && !fresh) {
      // The connection died while idle and nothing reached the server: once more, on a
      // connection made for this call.
      fresh = true;
      continue;
    }
    if (!IsRetryableTransactionError(result.status) ||
        attempt >= options_.max_transaction_attempts) {
      return result.status;
    }
    const absl::Duration delay = BackoffDelay(conflict_backoff, attempt, random);
    if (absl::Now() + delay >= deadline) return result.status;
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(delay));
    ++attempt;
  }
}

absl::Status Pool::Ping(absl::Time deadline) {
  return Transact(
      [](pqxx::transaction_base& tx) {
        tx.exec("SELECT 1");
        return absl::OkStatus();
      },
      Isolation::kReadCommitted, deadline);
}

}  // namespace crmsync::pg

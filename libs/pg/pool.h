// A bounded pool of PostgreSQL connections and the transactions that run on them. The only
// place outside the stores that touches libpqxx: callers get pqxx exceptions back as Status.
#ifndef CRMSYNC_LIBS_PG_POOL_H_
#define CRMSYNC_LIBS_PG_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/common/embedded_file.h"

namespace crmsync::pg {

// Checks that `url` is a libpq connection string or URI (postgresql://user@host:5432/db) that
// libpq can parse; INVALID_ARGUMENT says what is wrong (never echoing a password).
absl::Status ValidateDatabaseUrl(absl::string_view url);

struct PoolOptions {
  std::string database_url;
  std::string application_name = "crmsync";
  // Set as each connection's search_path, so a service's queries name its tables unqualified.
  std::string schema;
  int max_connections = 8;
  absl::Duration connect_timeout = absl::Seconds(5);
  // How long Transact waits for a free connection before UNAVAILABLE.
  absl::Duration acquire_timeout = absl::Seconds(5);
  // Prepared on every connection under their names; run with tx.exec_prepared(name, ...).
  std::vector<EmbeddedFile> statements;
  // Attempts for a transaction that hits a serialization failure or deadlock.
  int max_transaction_attempts = 4;
};

enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

class Pool {
 public:
  using Work = std::function<absl::Status(pqxx::transaction_base&)>;

  // Validates the options; connects lazily, so a database that is down is not an error here.
  static absl::StatusOr<std::unique_ptr<Pool>> Create(PoolOptions options);
  ~Pool();

  // Runs `work` in one transaction and commits when it returns OK; rolls back otherwise and
  // returns its status. `work` may run more than once (a serialization failure or deadlock is
  // retried), so it must do nothing but database work. Every pqxx exception becomes a Status.
  absl::Status Transact(const Work& work, Isolation isolation = Isolation::kReadCommitted);

  // As Transact, for work that produces a value.
  template <typename T>
  absl::StatusOr<T> TransactValue(
      const std::function<absl::StatusOr<T>(pqxx::transaction_base&)>& work,
      Isolation isolation = Isolation::kReadCommitted) {
    absl::StatusOr<T> result = absl::UnknownError("transaction did not run");
    absl::Status status = Transact(
        [&](pqxx::transaction_base& tx) {
          result = work(tx);
          return result.status();
        },
        isolation);
    if (!status.ok()) return status;
    return result;
  }

  // A round trip to the server (SELECT 1): OK when the database answers.
  absl::Status Ping();

  const PoolOptions& options() const { return options_; }

 private:
  Pool(PoolOptions options, std::string conninfo);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire();
  void Release(std::unique_ptr<pqxx::connection> connection);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect();
  absl::Status TransactOnce(pqxx::connection& connection, const Work& work, Isolation isolation);

  const PoolOptions options_;
  const std::string conninfo_;  // holds the password: never log it
  std::mutex mutex_;
  std::condition_variable released_;
  std::deque<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;  // connections in idle_ plus those lent out
};

}  // namespace crmsync::pg

#endif  // CRMSYNC_LIBS_PG_POOL_H_

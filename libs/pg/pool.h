// A bounded pool of PostgreSQL connections and the transactions that run on them. The only
// place outside the stores that touches libpqxx: callers get pqxx exceptions back as Status.
//
// The pool heals: an idle connection the server closed (restart, pg_terminate_backend, idle
// timeout) is noticed before use and replaced; a transaction whose BEGIN meets a broken
// connection is retried once on a fresh one; a connection in doubt after an error is closed,
// never lent again. Every connection carries statement, lock and idle-in-transaction timeouts
// and TCP keepalives, set as it connects so that they cost no round trip.
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

// Whether `url` holds a password (in a URI's user info or as a password parameter), parsable or
// not.
bool HoldsPassword(absl::string_view url);

// What every pooled connection starts with: the server settings travel in its startup packet,
// the keepalives are options of its socket.
struct ConnectionSettings {
  // Server-side bounds; zero turns one off.
  absl::Duration statement_timeout = absl::Seconds(30);
  absl::Duration lock_timeout = absl::Seconds(5);
  absl::Duration idle_in_transaction_timeout = absl::Seconds(60);
  // TCP keepalives, so a peer that vanished without closing is noticed; zero idle turns them
  // off. libpq counts them in whole seconds.
  absl::Duration keepalives_idle = absl::Seconds(30);
  absl::Duration keepalives_interval = absl::Seconds(10);
  int keepalives_count = 3;
};

// INVALID_ARGUMENT naming the field ("lock_timeout must not be negative") when a setting is
// out of range.
absl::Status ValidateConnectionSettings(const ConnectionSettings& settings);

struct PoolOptions {
  std::string database_url;
  std::string application_name = "crmsync";
  // Set as each connection's search_path, so a service's queries name its tables unqualified.
  std::string schema;
  int max_connections = 8;
  absl::Duration connect_timeout = absl::Seconds(5);
  // How long Transact waits for a free connection before UNAVAILABLE.
  absl::Duration acquire_timeout = absl::Seconds(5);
  ConnectionSettings connection;
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
  // retried, and so is a transaction whose BEGIN met a broken connection), so it must do
  // nothing but database work. Every pqxx exception becomes a Status. A commit whose outcome is
  // unknown is never retried: UNAVAILABLE says "commit outcome unknown".
  // `deadline` bounds the wait for a connection and every statement (statement_timeout is
  // lowered to the time left); once it passes the call returns DEADLINE_EXCEEDED.
  absl::Status Transact(const Work& work, Isolation isolation = Isolation::kReadCommitted,
                        absl::Time deadline = absl::InfiniteFuture());

  // As Transact, for work that produces a value.
  template <typename T>
  absl::StatusOr<T> TransactValue(
      const std::function<absl::StatusOr<T>(pqxx::transaction_base&)>& work,
      Isolation isolation = Isolation::kReadCommitted,
      absl::Time deadline = absl::InfiniteFuture()) {
    absl::StatusOr<T> result = absl::UnknownError("transaction did not run");
    absl::Status status = Transact(
        [&](pqxx::transaction_base& tx) {
          result = work(tx);
          return result.status();
        },
        isolation, deadline);
    if (!status.ok()) return status;
    return result;
  }

  // A round trip to the server (SELECT 1): OK when the database answers before `deadline`.
  absl::Status Ping(absl::Time deadline = absl::InfiniteFuture());

  const PoolOptions& options() const { return options_; }

 private:
  // What one attempt at a transaction left behind.
  struct Attempt {
    absl::Status status;
    // BEGIN failed on a broken connection: nothing reached the server, a retry is safe.
    bool broken_before_begin = false;
    // The connection is known to be usable (success or a plain SQL error) and may be reused.
    bool reusable = false;
  };

  Pool(PoolOptions options, std::string conninfo, std::string password);
  // `message` with the password replaced: libpq's messages are not trusted to omit it.
  std::string Scrub(absl::string_view message) const;
  // A connection lent until Release; `fresh` skips idle ones. Waits at most acquire_timeout
  // (UNAVAILABLE) and never past `deadline` (DEADLINE_EXCEEDED).
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire(bool fresh, absl::Time deadline);
  // Returns a lent connection: kept when `reusable`, closed otherwise.
  void Release(std::unique_ptr<pqxx::connection> connection, bool reusable);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(absl::Time deadline);
  Attempt TransactOnce(pqxx::connection& connection, const Work& work, Isolation isolation,
                       absl::Time deadline);

  const PoolOptions options_;
  const std::string conninfo_;  // holds the password: never log it
  const std::string password_;
  std::mutex mutex_;
  std::condition_variable released_;
  std::deque<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;  // connections in idle_ plus those lent out
};

}  // namespace crmsync::pg

#endif  // CRMSYNC_LIBS_PG_POOL_H_

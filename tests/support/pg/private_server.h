// A PostgreSQL 15 server of a test's own, in a temporary folder, for tests that stop, restart
// or otherwise disturb the server: the shared pg_virtualenv cluster serves tests running in
// parallel and must not be touched. Listens on 127.0.0.1 at a free port and asks TCP clients
// for a password (SCRAM); runs as the `postgres` user when the test runs as root, since
// initdb refuses root.
#ifndef CRMSYNC_TESTS_SUPPORT_PG_PRIVATE_SERVER_H_
#define CRMSYNC_TESTS_SUPPORT_PG_PRIVATE_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crmsync::testing {

class PrivateServer {
 public:
  // Creates the cluster and starts the server; UNAVAILABLE (with the server log's tail) when
  // initdb or pg_ctl fail.
  static absl::StatusOr<std::unique_ptr<PrivateServer>> Create();
  // Stops the server at once and removes its folder.
  ~PrivateServer();

  // pg_ctl stop -m fast (sessions are terminated), then start on the same port; returns once
  // the server accepts connections again.
  absl::Status Restart();
  // Stops the server (fast shutdown); Start brings it back on the same port.
  absl::Status Stop();
  absl::Status Start();
  // pg_ctl stop -m immediate: the server quits without a shutdown checkpoint, as after a crash,
  // and Start recovers it from its write-ahead log.
  absl::Status Crash();

  // pg_terminate_backend on every session whose application_name is `application_name`, as an
  // operator or an idle-session killer would; returns once they are gone (30 s at most).
  absl::Status TerminateSessions(absl::string_view application_name);

  // A libpq keyword string for database `dbname` as the superuser `postgres`, password included.
  std::string url(absl::string_view dbname = "postgres") const;
  int port() const { return port_; }
  const std::string& password() const { return password_; }

 private:
  PrivateServer(std::string folder, int port, std::string password)
      : folder_(std::move(folder)), port_(port), password_(std::move(password)) {}
  // Runs a PostgreSQL program from the server's bin folder (as `postgres` when root); its
  // output goes to the folder's commands.log, quoted in the error when it fails.
  absl::Status Run(const std::vector<std::string>& argv) const;

  std::string folder_;
  int port_;
  std::string password_;
};

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_PG_PRIVATE_SERVER_H_

// The runtime every crmsync service runs on: flags → options, a Postgres pool on the service's
// own schema, /metrics, and a gRPC server with the standard health service, server reflection
// and per-method metrics.
//
// Life cycle: Create → AddService / AddBackgroundTask → Start → WaitForShutdown.
// Start binds the ports at once; health says NOT_SERVING until the schema is migrated and while
// the database does not answer. A database that is down at start is retried with backoff,
// never a crash. SIGTERM or SIGINT drains: health turns NOT_SERVING, new calls are refused,
// calls in flight get up to drain_timeout (then are cancelled; idle client connections do not
// hold the drain up), background tasks are told to stop and are joined.
#ifndef CRMSYNC_LIBS_GRPC_SERVER_RUNTIME_H_
#define CRMSYNC_LIBS_GRPC_SERVER_RUNTIME_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/common/embedded_file.h"
#include "libs/grpc_server/metrics_interceptor.h"
#include "libs/metrics/metrics_endpoint.h"
#include "libs/pg/pool.h"

namespace crmsync {

struct RuntimeOptions {
  std::string service;  // short name: "auth"; also the Postgres schema
  std::string listen_host = "0.0.0.0";
  int grpc_port = 50051;  // 0 picks a free port (tests)
  int metrics_port = 9090;
  std::string database_url;
  int database_pool_size = 8;
  pg::ConnectionSettings database_settings;
  bool migrate_only = false;  // main runs MigrateOnly instead of the server
  absl::Duration drain_timeout = absl::Seconds(10);
  absl::Duration health_check_interval = absl::Seconds(2);
  // Bound for --migrate_only to reach the database and migrate.
  absl::Duration migrate_timeout = absl::Seconds(60);
};

// Reads the flags every service shares (--grpc_port, --metrics_port, --listen_host,
// --database_url, --database_pool_size, the --database_* timeouts and keepalives,
// --migrate_only, --drain_timeout, --health_check_interval, --log_level). INVALID_ARGUMENT
// names the bad flag and never echoes a database password.
absl::StatusOr<RuntimeOptions> RuntimeOptionsFromFlags(absl::string_view service);

// For --migrate_only: applies the schema's migrations, retrying while the database is
// unreachable, for up to options.migrate_timeout. Returns the process exit code (0 on success).
int MigrateOnly(const RuntimeOptions& options, Schema schema);

class Runtime {
 public:
  // Blocks SIGINT and SIGTERM (WaitForShutdown takes them), serves /metrics, makes the pool.
  static absl::StatusOr<std::unique_ptr<Runtime>> Create(RuntimeOptions options, Schema schema);
  ~Runtime();

  pg::Pool& pool() { return *pool_; }
  prometheus::Registry& registry() { return metrics_->registry(); }
  const RuntimeOptions& options() const { return options_; }

  // Registers a service implementation before Start; `full_name` ("crmsync.auth.v1.AuthService")
  // gets its own health status. The service must outlive the runtime.
  void AddService(grpc::Service* service, std::string full_name);

  // Runs `task` on its own thread once the schema is migrated. `stop` is notified at shutdown;
  // the task must then return promptly (wait on it instead of sleeping).
  void AddBackgroundTask(std::string name,
                         std::function<void(const absl::Notification& stop)> task);

  // Binds the gRPC port and starts the readiness loop. UNAVAILABLE when the port is taken.
  absl::Status Start();

  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_->port(); }
  // True once migrated and while the last database check answered.
  bool serving() const { return serving_.load(); }

  // Blocks until SIGTERM, SIGINT or RequestShutdown, then drains and returns.
  void WaitForShutdown();
  void RequestShutdown() {
    if (!shutdown_requested_.HasBeenNotified()) shutdown_requested_.Notify();
  }

 private:
  Runtime(RuntimeOptions options, Schema schema) : options_(std::move(options)), schema_(schema) {}
  void ReadinessLoop();
  void SetServing(bool serving);
  void Drain();

  const RuntimeOptions options_;
  const Schema schema_;
  std::unique_ptr<metrics::MetricsEndpoint> metrics_;
  std::unique_ptr<pg::Pool> pool_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::vector<std::pair<std::string, std::function<void(const absl::Notification&)>>> tasks_;
  std::atomic<int> in_flight_{0};  // declared before server_, which counts into it
  std::unique_ptr<grpc::Server> server_;
  int grpc_port_ = 0;
  std::atomic<bool> serving_{false};
  absl::Notification shutdown_requested_;
  absl::Notification stopping_;  // tells the readiness loop and background tasks to end
  std::thread readiness_thread_;
  std::thread signal_thread_;
  std::mutex tasks_mutex_;
  std::vector<std::thread> task_threads_;
  bool drained_ = false;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_GRPC_SERVER_RUNTIME_H_

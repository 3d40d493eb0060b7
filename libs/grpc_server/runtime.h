// The runtime every crmsync service runs on: flags → options, a Postgres pool on the service's
// own schema, /metrics, and a gRPC server with the standard health service, server reflection
// and per-method metrics (every INTERNAL or UNKNOWN status is also logged with its method).
//
// Life cycle: Create → AddService / AddBackgroundTask → Start → WaitForShutdown.
// Start binds the ports at once. Health has two meanings:
//   readiness: "" and each service's full name say NOT_SERVING until the schema is migrated and
//              while the database does not answer (a database outage takes the pod out of
//              service; it is no reason to restart it);
//   liveness:  kLivenessService says SERVING from Start until the drain, whatever the database.
// A database that is down at start is retried with backoff, never a crash.
// SIGTERM or SIGINT drains: health turns NOT_SERVING for every name and background tasks are
// told to stop, at once; the listener closes and new calls are refused (UNAVAILABLE) while calls
// in flight get up to drain_timeout, then are cancelled. Background tasks and calls that still
// run drain_timeout + 1 s after the signal are logged by name and the process exits without
// them (exit code 1), so a stuck task never holds a pod beyond its grace period.
#ifndef CRMSYNC_LIBS_GRPC_SERVER_RUNTIME_H_
#define CRMSYNC_LIBS_GRPC_SERVER_RUNTIME_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/common/embedded_file.h"
#include "libs/grpc_client/caller_channel.h"
#include "libs/grpc_server/caller_auth.h"
#include "libs/grpc_server/metrics_interceptor.h"
#include "libs/metrics/metrics_endpoint.h"
#include "libs/pg/pool.h"

namespace crmsync {

// The health service name that reports only that the process works (Kubernetes livenessProbe:
// grpc with service "liveness"); readiness probes use "" or a service's full name.
inline constexpr char kLivenessService[] = "liveness";

// The largest request message a server accepts; a larger one is refused RESOURCE_EXHAUSTED before
// any handler runs, so no caller can make a service parse or hold an unbounded message.
inline constexpr int kMaxReceiveMessageBytes = 4 << 20;

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
  // The caller token and TLS files of this service's own calls; the server serves TLS with
  // client.tls_cert_file / tls_key_file when they are set.
  ClientOptions client;
  // With TLS: the CA whose certificates clients must present (mutual TLS); empty: none asked.
  std::string tls_client_ca_file;
};

// Reads the flags every service shares (--grpc_port, --metrics_port, --listen_host,
// --database_url, --database_pool_size, the --database_* timeouts and keepalives,
// --migrate_only, --drain_timeout, --health_check_interval, --log_level, and the client and TLS
// flags of libs/grpc_client plus --tls_client_ca_file). INVALID_ARGUMENT
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

  // Who may call: every call but health and reflection is judged by `authenticator` against
  // `roles` (see caller_auth.h). Required before Start; `authenticator` must outlive the runtime.
  void SetCallerAuthentication(CallerAuthenticator& authenticator, MethodRoles roles);

  // A channel to another crmsync service carrying this service's caller token (and TLS).
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelTo(const std::string& address) const {
    return CallerChannel(address, options_.client);
  }

  // Runs `step` once the schema is migrated, before the background tasks start and before
  // readiness first says SERVING: for what must be in the database before the service answers.
  // A failing step is logged and retried with backoff until it succeeds or the drain begins.
  void AddStartupStep(std::string name, std::function<absl::Status()> step);

  // Runs `task` on its own thread once the schema is migrated. `stop` is notified as the drain
  // begins; the task must then return promptly (wait on it instead of sleeping), at the latest
  // within drain_timeout, or the process exits without it.
  void AddBackgroundTask(std::string name,
                         std::function<void(const absl::Notification& stop)> task);

  // Binds the gRPC port and starts the readiness loop. UNAVAILABLE when the port is taken;
  // FAILED_PRECONDITION without caller authentication; INVALID_ARGUMENT when a TLS file cannot
  // be read.
  absl::Status Start();

  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_->port(); }
  // True once migrated and while the last database check answered.
  bool serving() const { return serving_.load(); }

  // Blocks until SIGTERM, SIGINT or RequestShutdown, then drains and returns; exits the process
  // with code 1 instead when a call or a background task outlasts the drain (see above).
  void WaitForShutdown();
  void RequestShutdown() {
    if (!shutdown_requested_.HasBeenNotified()) shutdown_requested_.Notify();
  }

 private:
  Runtime(RuntimeOptions options, Schema schema) : options_(std::move(options)), schema_(schema) {}
  // A thread the drain waits for with a bound: the readiness loop or a background task.
  struct Worker {
    std::string name;
    std::unique_ptr<absl::Notification> done;
    std::thread thread;
  };
  // Runs `work` on a new worker thread; false (and nothing runs) once the drain has begun.
  bool StartWorker(std::string name, std::function<void()> work);
  void ReadinessLoop();
  void SetServing(bool serving);
  void Drain();

  const RuntimeOptions options_;
  const Schema schema_;
  std::unique_ptr<metrics::MetricsEndpoint> metrics_;
  std::unique_ptr<pg::Pool> pool_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  CallerAuthenticator* authenticator_ = nullptr;
  MethodRoles roles_;
  std::vector<std::pair<std::string, std::function<absl::Status()>>> startup_steps_;
  std::vector<std::pair<std::string, std::function<void(const absl::Notification&)>>> tasks_;
  InFlightCalls in_flight_;  // declared before server_, which counts into it
  std::unique_ptr<grpc::Server> server_;
  int grpc_port_ = 0;
  std::atomic<bool> serving_{false};
  absl::Notification shutdown_requested_;
  absl::Notification stopping_;  // tells the readiness loop and background tasks to end
  std::thread signal_thread_;
  std::mutex workers_mutex_;
  std::vector<Worker> workers_;
  bool drained_ = false;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_GRPC_SERVER_RUNTIME_H_

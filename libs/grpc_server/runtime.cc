#include "libs/grpc_server/runtime.h"

#include <grpc/grpc.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <cstdlib>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/common/backoff.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/pg/migrations.h"
#include "libs/pg/pool.h"

ABSL_FLAG(int, grpc_port, 50051, "TCP port of the gRPC server (0 picks a free one).");
ABSL_FLAG(int, metrics_port, 9090, "TCP port of the Prometheus /metrics endpoint (0: free one).");
ABSL_FLAG(std::string, listen_host, "0.0.0.0", "Address both servers listen on.");
ABSL_FLAG(std::string, database_url, "",
          "PostgreSQL connection URI or keyword string (required), e.g. "
          "postgresql://crmsync@db:5432/crmsync. One that holds a password is environment only "
          "(CRMSYNC_DATABASE_URL).");
CRMSYNC_ENVIRONMENT_ONLY_FLAG_IF(database_url, crmsync::pg::HoldsPassword);
ABSL_FLAG(int, database_pool_size, 8, "Most connections this process opens to PostgreSQL.");
ABSL_FLAG(absl::Duration, database_statement_timeout, absl::Seconds(30),
          "PostgreSQL statement_timeout of every connection (0: none).");
ABSL_FLAG(absl::Duration, database_lock_timeout, absl::Seconds(5),
          "PostgreSQL lock_timeout of every connection (0: none).");
ABSL_FLAG(absl::Duration, database_idle_in_transaction_timeout, absl::Seconds(60),
          "PostgreSQL idle_in_transaction_session_timeout of every connection (0: none).");
ABSL_FLAG(absl::Duration, database_keepalives_idle, absl::Seconds(30),
          "Idle time before TCP keepalives probe a database connection (0: no keepalives).");
ABSL_FLAG(absl::Duration, database_keepalives_interval, absl::Seconds(10),
          "Time between unanswered TCP keepalive probes.");
ABSL_FLAG(int, database_keepalives_count, 3,
          "Unanswered TCP keepalive probes before a database connection is dropped.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "With --tls_cert_file: PEM of the CA whose client certificates callers must present "
          "(mutual TLS); empty: none asked.");
ABSL_FLAG(bool, migrate_only, false,
          "Apply this service's schema migrations, then exit (for a Kubernetes Job).");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(10),
          "On SIGTERM, how long calls in flight and background tasks may take to finish; the "
          "process exits by 1 s after it.");
ABSL_FLAG(absl::Duration, health_check_interval, absl::Seconds(2),
          "How often the database is checked for the health service.");
ABSL_FLAG(std::string, log_level, "info", "Least level logged: debug, info, warning or error.");

namespace crmsync {
namespace {

// What the drain allows beyond drain_timeout for cancelled calls and stopped tasks to unwind.
constexpr absl::Duration kUnwindTime = absl::Seconds(1);

absl::Status ValidatePort(absl::string_view flag, int port) {
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", port, " is not a TCP port (0 to 65535)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("--log_level: \"", name, "\" is not debug, info, warning or error"));
}

sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

// Runs `attempt` until it succeeds, retrying with backoff (each failure logged as `retrying`)
// until `deadline` or until `stop` is notified.
absl::Status RetryWithBackoff(const std::function<absl::Status()>& attempt,
                              absl::string_view retrying, absl::Time deadline,
                              const absl::Notification& stop) {
  absl::BitGen random;
  const BackoffPolicy policy{absl::Milliseconds(250), absl::Seconds(15), 2.0};
  for (int attempts = 1;; ++attempts) {
    const absl::Status status = attempt();
    if (status.ok()) return status;
    const absl::Duration delay = BackoffDelay(policy, attempts, random);
    if (absl::Now() + delay > deadline) return status;
    LogWarning(std::string(retrying), {{"error", std::string(status.message())},
                                       {"attempt", attempts},
                                       {"retry_in_ms", absl::ToInt64Milliseconds(delay)}});
    if (stop.WaitForNotificationWithTimeout(delay)) return absl::CancelledError("stopping");
  }
}

// Migrates, retrying with backoff until `deadline` or until `stop` is notified.
absl::Status MigrateWithRetries(pg::Pool& pool, absl::string_view schema,
                                const std::vector<EmbeddedFile>& migrations, absl::Time deadline,
                                const absl::Notification& stop) {
  return RetryWithBackoff(
      [&] {
        auto result = pg::Migrate(pool, schema, migrations);
        if (!result.ok()) return result.status();
        LogInfo("schema migrated", {{"schema", std::string(schema)},
                                    {"applied", result->applied},
                                    {"already_applied", result->already_applied}});
        return absl::OkStatus();
      },
      "database not ready; retrying", deadline, stop);
}

// TLS when a certificate is configured (requiring client certificates from
// --tls_client_ca_file's CA when that is set); plaintext otherwise.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const RuntimeOptions& options) {
  if (options.client.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.cert_chain, ReadTlsFile("tls_cert_file", options.client.tls_cert_file));
  ASSIGN_OR_RETURN(pair.private_key, ReadTlsFile("tls_key_file", options.client.tls_key_file));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs,
                     ReadTlsFile("tls_client_ca_file", options.tls_client_ca_file));
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

pg::PoolOptions PoolOptionsFor(const RuntimeOptions& options, const Schema& schema) {
  pg::PoolOptions pool_options;
  pool_options.database_url = options.database_url;
  pool_options.application_name = absl::StrCat("crmsync-", options.service);
  pool_options.schema = options.service;
  pool_options.max_connections = options.database_pool_size;
  pool_options.connection = options.database_settings;
  pool_options.statements = schema.queries;
  return pool_options;
}

}  // namespace

absl::StatusOr<RuntimeOptions> RuntimeOptionsFromFlags(absl::string_view service) {
  RuntimeOptions options;
  options.service = std::string(service);
  options.grpc_port = absl::GetFlag(FLAGS_grpc_port);
  options.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  RETURN_IF_ERROR(ValidatePort("grpc_port", options.grpc_port));
  RETURN_IF_ERROR(ValidatePort("metrics_port", options.metrics_port));
  options.listen_host = absl::GetFlag(FLAGS_listen_host);
  if (options.listen_host.empty()) return absl::InvalidArgumentError("--listen_host is empty");
  options.database_url = absl::GetFlag(FLAGS_database_url);
  if (options.database_url.empty()) {
    return absl::InvalidArgumentError("--database_url is required (or CRMSYNC_DATABASE_URL)");
  }
  if (auto status = pg::ValidateDatabaseUrl(options.database_url); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--database_url: ", status.message()));
  }
  options.database_pool_size = absl::GetFlag(FLAGS_database_pool_size);
  if (options.database_pool_size < 1) {
    return absl::InvalidArgumentError("--database_pool_size must be at least 1");
  }
  pg::ConnectionSettings& database = options.database_settings;
  database.statement_timeout = absl::GetFlag(FLAGS_database_statement_timeout);
  database.lock_timeout = absl::GetFlag(FLAGS_database_lock_timeout);
  database.idle_in_transaction_timeout = absl::GetFlag(FLAGS_database_idle_in_transaction_timeout);
  database.keepalives_idle = absl::GetFlag(FLAGS_database_keepalives_idle);
  database.keepalives_interval = absl::GetFlag(FLAGS_database_keepalives_interval);
  database.keepalives_count = absl::GetFlag(FLAGS_database_keepalives_count);
  if (auto status = pg::ValidateConnectionSettings(database); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--database_", status.message()));
  }
  options.migrate_only = absl::GetFlag(FLAGS_migrate_only);
  options.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  options.health_check_interval = absl::GetFlag(FLAGS_health_check_interval);
  if (options.drain_timeout < absl::ZeroDuration() ||
      options.health_check_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--drain_timeout must not be negative and --health_check_interval must be positive");
  }
  ASSIGN_OR_RETURN(LogLevel level, ParseLogLevel(absl::GetFlag(FLAGS_log_level)));
  SetMinLogLevel(level);
  ASSIGN_OR_RETURN(options.client, ClientOptionsFromFlags());
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  if (!options.tls_client_ca_file.empty() && options.client.tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca_file needs --tls_cert_file and --tls_key_file");
  }
  return options;
}

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Create(RuntimeOptions options, Schema schema) {
  SetLogService(options.service);
  // Before any thread exists, so that every thread inherits the mask and only the signal
  // thread receives them.
  const sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<Runtime> runtime(new Runtime(std::move(options), schema));
  const RuntimeOptions& opts = runtime->options_;
  ASSIGN_OR_RETURN(runtime->pool_, pg::Pool::Create(PoolOptionsFor(opts, schema)));
  ASSIGN_OR_RETURN(runtime->metrics_, metrics::MetricsEndpoint::Start(
                                          opts.listen_host, opts.metrics_port, opts.service));
  return runtime;
}

int MigrateOnly(const RuntimeOptions& options, Schema schema) {
  SetLogService(options.service);
  auto pool = pg::Pool::Create(PoolOptionsFor(options, schema));
  if (!pool.ok()) return ExitWithError(pool.status());
  absl::Notification never;
  const absl::Status status = MigrateWithRetries(**pool, options.service, schema.migrations,
                                                 absl::Now() + options.migrate_timeout, never);
  return status.ok() ? 0 : ExitWithError(status);
}

Runtime::~Runtime() { Drain(); }

void Runtime::AddService(grpc::Service* service, std::string full_name) {
  services_.emplace_back(service, std::move(full_name));
}

void Runtime::AddStartupStep(std::string name, std::function<absl::Status()> step) {
  startup_steps_.emplace_back(std::move(name), std::move(step));
}

void Runtime::AddBackgroundTask(std::string name,
                                std::function<void(const absl::Notification& stop)> task) {
  tasks_.emplace_back(std::move(name), std::move(task));
}

void Runtime::SetCallerAuthentication(CallerAuthenticator& authenticator, MethodRoles roles) {
  authenticator_ = &authenticator;
  roles_ = std::move(roles);
}

absl::Status Runtime::Start() {
  if (authenticator_ == nullptr) {
    return absl::FailedPreconditionError("no caller authentication is set for the gRPC server");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   ServerCredentials(options_));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat(options_.listen_host, ":", options_.grpc_port), credentials,
                           &grpc_port_);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  for (auto& [service, name] : services_) builder.RegisterService(service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<MetricsInterceptorFactory>(registry(), in_flight_));
  creators.push_back(MakeCallerAuthFactory(*authenticator_, roles_));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve gRPC on ", options_.listen_host, ":", options_.grpc_port));
  }
  SetServing(false);
  server_->GetHealthCheckService()->SetServingStatus(kLivenessService, true);
  LogInfo("listening", {{"grpc_port", grpc_port_}, {"metrics_port", metrics_->port()}});
  StartWorker("readiness", [this] { ReadinessLoop(); });
  signal_thread_ = std::thread([this] {
    const sigset_t signals = TerminationSignals();
    const timespec tick{0, 200'000'000};
    while (!stopping_.HasBeenNotified()) {
      const int signal = sigtimedwait(&signals, nullptr, &tick);
      if (signal == SIGINT || signal == SIGTERM) {
        LogInfo("signal received; draining", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
        RequestShutdown();
        return;
      }
    }
  });
  return absl::OkStatus();
}

bool Runtime::StartWorker(std::string name, std::function<void()> work) {
  // stopping_ is checked under the lock the drain takes to collect the workers.
  std::lock_guard lock(workers_mutex_);
  if (stopping_.HasBeenNotified()) return false;
  auto done = std::make_unique<absl::Notification>();
  std::thread thread([work = std::move(work), done = done.get()] {
    work();
    done->Notify();
  });
  workers_.push_back({std::move(name), std::move(done), std::move(thread)});
  return true;
}

void Runtime::SetServing(bool serving) {
  if (serving_.exchange(serving) != serving) {
    LogInfo(serving ? "serving" : "not serving: database unreachable");
  }
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", serving);  // not the overload without a name: that sets liveness too
  for (const auto& [service, name] : services_) health->SetServingStatus(name, serving);
}

void Runtime::ReadinessLoop() {
  if (!MigrateWithRetries(*pool_, options_.service, schema_.migrations, absl::InfiniteFuture(),
                          stopping_)
           .ok()) {
    return;
  }
  for (const auto& [name, step] : startup_steps_) {
    const std::string retrying = absl::StrCat(name, " failed; retrying");
    if (!RetryWithBackoff(step, retrying, absl::InfiniteFuture(), stopping_).ok()) return;
  }
  for (auto& [name, task] : tasks_) {
    if (!StartWorker(name, [this, task = task] { task(stopping_); })) return;
    LogInfo("background task started", {{"task", name}});
  }
  while (!stopping_.HasBeenNotified()) {
    // Bounded, so that a database that hangs reads as down and the drain need not wait for it.
    SetServing(pool_->Ping(absl::Now() + options_.health_check_interval).ok());
    stopping_.WaitForNotificationWithTimeout(options_.health_check_interval);
  }
}

void Runtime::WaitForShutdown() {
  shutdown_requested_.WaitForNotification();
  Drain();
}

void Runtime::Drain() {
  if (drained_) return;
  drained_ = true;
  const absl::Time calls_deadline = absl::Now() + options_.drain_timeout;
  const absl::Time exit_deadline = calls_deadline + kUnwindTime;
  // Background tasks stop alongside the calls, not after them: both share the grace period.
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  absl::Notification server_stopped;
  std::thread server_shutdown;
  // Where gRPC posts shutdown_tag once the shutdown begun here is complete.
  grpc_completion_queue* shutdown_queue = nullptr;
  int shutdown_tag = 0;
  if (server_ != nullptr) {
    shutdown_queue = grpc_completion_queue_create_for_pluck(nullptr);
    server_->GetHealthCheckService()->Shutdown();  // every name NOT_SERVING, for good
    // Closes the listener and sends GOAWAY on every connection at once, so that new calls are
    // refused, while calls in flight go on.
    grpc_server_shutdown_and_notify(server_->c_server(), shutdown_queue, &shutdown_tag);
    if (!in_flight_.WaitForNone(calls_deadline)) {
      LogWarning("drain timeout: cancelling calls in flight",
                 {{"calls_in_flight", in_flight_.count()}});
    }
    // Cancels what is left and closes idle client connections too, which gRPC 1.51 would
    // otherwise wait for until the deadline.
    grpc_server_cancel_all_calls(server_->c_server());
    server_shutdown = std::thread([this, &server_stopped] {
      server_->Shutdown();
      server_->Wait();
      server_stopped.Notify();
    });
  }
  std::vector<Worker> workers;
  {
    std::lock_guard lock(workers_mutex_);
    workers.swap(workers_);
  }
  std::vector<std::string> overstaying;
  if (server_ != nullptr && !server_stopped.WaitForNotificationWithDeadline(exit_deadline)) {
    LogError("calls still running after the drain timeout",
             {{"calls_in_flight", in_flight_.count()}});
    overstaying.push_back("grpc_server");
  }
  for (Worker& worker : workers) {
    if (!worker.done->WaitForNotificationWithDeadline(exit_deadline)) {
      LogError("background task still running after the drain timeout", {{"task", worker.name}});
      overstaying.push_back(worker.name);
    }
  }
  if (!overstaying.empty()) {
    // Their threads cannot be joined and may still use what main is about to destroy.
    LogError("exiting without waiting for them", {{"overstaying", overstaying}});
    std::_Exit(1);
  }
  if (signal_thread_.joinable()) signal_thread_.join();
  for (Worker& worker : workers) worker.thread.join();
  if (server_shutdown.joinable()) {
    server_shutdown.join();
    grpc_completion_queue_pluck(shutdown_queue, &shutdown_tag, gpr_inf_future(GPR_CLOCK_REALTIME),
                                nullptr);
    grpc_completion_queue_shutdown(shutdown_queue);
    grpc_completion_queue_destroy(shutdown_queue);
    LogInfo("stopped");
  }
}

}  // namespace crmsync

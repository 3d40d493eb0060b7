#include <unistd.h>

#include <memory>

#include "absl/flags/flag.h"
#include "absl/synchronization/notification.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "libs/auth_client/remote_authenticator.h"
#include "libs/common/clock.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "libs/crypto/aead.h"
#include "libs/grpc_server/runtime.h"
#include "libs/http/http_client.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/auth/accounts.h"
#include "services/auth/auth_metrics.h"
#include "services/auth/auth_server.h"
#include "services/auth/caller_tokens.h"
#include "services/auth/environment_tokens.h"
#include "services/auth/failure_relay.h"
#include "services/auth/grant_registry.h"
#include "services/auth/local_authenticator.h"
#include "services/auth/method_roles.h"
#include "services/auth/notify_notifier.h"
#include "services/auth/pg_store.h"
#include "services/auth/schema.h"
#include "services/auth/token_vendor.h"

ABSL_FLAG(std::string, encryption_keys_file, "",
          "File of encryption keys, one \"key_id:base64-32-bytes\" a line; the last is the "
          "newest. Exclusive with --encryption_keys.");
ABSL_FLAG(std::string, encryption_keys, "",
          "Encryption keys as in --encryption_keys_file, inline (set it through the environment, "
          "CRMSYNC_ENCRYPTION_KEYS, e.g. from a Kubernetes Secret).");
ABSL_FLAG(absl::Duration, refresh_margin, absl::Minutes(5),
          "Tokens are vended only with more than this left, and renewed ahead of it.");
ABSL_FLAG(absl::Duration, refresh_interval, absl::Seconds(30),
          "How often the background refresher looks for tokens to renew.");
ABSL_FLAG(absl::Duration, memory_cache_ttl, absl::Seconds(10),
          "How long a grant read from Postgres is served from memory.");
ABSL_FLAG(absl::Duration, accounts_timeout, absl::Seconds(10),
          "Total timeout of one call to a Zoho accounts server; a caller's deadline shortens it.");
ABSL_FLAG(absl::Duration, refresh_wait_timeout, absl::Seconds(15),
          "How long a GetAccessToken call without a deadline may wait for a token being minted.");
ABSL_FLAG(int, max_concurrent_mints, 4,
          "Token mints in flight at once in this process (keep it below the 8 token workers); "
          "past it a refresh is UNAVAILABLE at once, so a hanging accounts server cannot hold "
          "every worker.");
ABSL_FLAG(bool, allow_loopback_http, false,
          "Also accept loopback hosts (http or https, any port) as grants' accounts servers and "
          "API domains, beside Zoho's data-centre hosts: zoho-sim (tests and local runs only).");
ABSL_FLAG(std::string, notify_address, "",
          "host:port of crmsync-notify, which tells owners about broken grants; empty: failures "
          "stay queued.");
ABSL_FLAG(absl::Duration, relay_interval, absl::Seconds(5),
          "How often an idle relay looks for broken-grant failures to offer to notify.");

namespace {
constexpr char kSummary[] =
    "crmsync-auth: vends OAuth access tokens for the Zoho APIs (one shared token per grant, "
    "refreshed ahead; secrets encrypted at rest).\n\nCaller tokens from the environment (never "
    "flags): CRMSYNC_BOOTSTRAP_ADMIN_TOKEN, one secret of 32 to 1024 visible ASCII characters "
    "(role ADMIN); CRMSYNC_SERVICE_TOKENS, comma-separated name:secret pairs, names of a-z, 0-9 "
    "and - (role SERVICE).";

absl::StatusOr<crmsync::crypto::KeySet> KeysFromFlags() {
  const std::string file = absl::GetFlag(FLAGS_encryption_keys_file);
  const std::string inline_keys = absl::GetFlag(FLAGS_encryption_keys);
  if (!file.empty() && !inline_keys.empty()) {
    return absl::InvalidArgumentError("--encryption_keys_file and --encryption_keys are exclusive");
  }
  auto keys = file.empty() ? crmsync::crypto::KeySet::Parse(inline_keys)
                           : crmsync::crypto::KeySet::FromFile(file);
  if (!keys.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.empty() ? "--encryption_keys: " : "--encryption_keys_file: ",
                     keys.status().message()));
  }
  return keys;
}

// Names this process in the refresh leases it takes.
std::string LeaseOwner() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(host, ":", getpid());
}

// Runs `work` every `interval` until `stop` is notified.
void Every(absl::Duration interval, const absl::Notification& stop,
           const std::function<void()>& work) {
  do {
    work();
  } while (!stop.WaitForNotificationWithTimeout(interval));
}
}  // namespace

int main(int argc, char** argv) {
  crmsync::ParseCommandLineOrExit(argc, argv, kSummary);
  auto options = crmsync::RuntimeOptionsFromFlags("auth");
  if (!options.ok()) return crmsync::ExitWithUsageError(options.status());
  if (options->migrate_only) return crmsync::MigrateOnly(*options, crmsync::auth::AuthSchema());
  auto keys = KeysFromFlags();
  if (!keys.ok()) return crmsync::ExitWithUsageError(keys.status());
  const auto environment_tokens = crmsync::auth::EnvironmentTokens();
  if (!environment_tokens.ok()) return crmsync::ExitWithUsageError(environment_tokens.status());
  if (absl::GetFlag(FLAGS_max_concurrent_mints) < 1) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--max_concurrent_mints must be at least 1"));
  }
  if (keys->empty()) crmsync::LogWarning("no encryption key configured: grants cannot be stored");
  auto caller_cache_ttl = crmsync::CallerCacheTtlFromFlags();
  if (!caller_cache_ttl.ok()) return crmsync::ExitWithUsageError(caller_cache_ttl.status());
  auto retention = crmsync::work_queue::QueueRetentionFromFlags();
  if (!retention.ok()) return crmsync::ExitWithUsageError(retention.status());

  auto runtime = crmsync::Runtime::Create(*options, crmsync::auth::AuthSchema());
  if (!runtime.ok()) return crmsync::ExitWithError(runtime.status());
  crmsync::auth::AuthMetrics metrics((*runtime)->registry());
  crmsync::auth::PgStore store((*runtime)->pool());
  crmsync::http::CurlOptions http_options;
  const absl::Duration accounts_timeout = absl::GetFlag(FLAGS_accounts_timeout);
  http_options.total_timeout = accounts_timeout;
  crmsync::http::CurlHttpClient http(http_options);
  crmsync::auth::ZohoAccounts accounts(http);
  const crmsync::Clock& clock = crmsync::RealClock();

  const bool allow_loopback_http = absl::GetFlag(FLAGS_allow_loopback_http);
  crmsync::auth::VendorOptions vendor_options;
  vendor_options.refresh_margin = absl::GetFlag(FLAGS_refresh_margin);
  vendor_options.refresh_lookahead = 2 * absl::GetFlag(FLAGS_refresh_interval);
  vendor_options.memory_ttl = absl::GetFlag(FLAGS_memory_cache_ttl);
  vendor_options.accounts_timeout = accounts_timeout;
  vendor_options.default_wait = absl::GetFlag(FLAGS_refresh_wait_timeout);
  vendor_options.max_concurrent_mints = absl::GetFlag(FLAGS_max_concurrent_mints);
  vendor_options.lease_owner = LeaseOwner();
  vendor_options.allow_loopback_http = allow_loopback_http;
  crmsync::auth::TokenVendor vendor(store, accounts, *keys, clock, metrics, vendor_options);
  crmsync::auth::GrantRegistry registry(store, accounts, *keys, clock, vendor, allow_loopback_http);
  crmsync::auth::CallerTokens callers(store, clock);
  (*runtime)->AddStartupStep("storing the caller tokens of the environment",
                             [&] { return callers.StoreEnvironmentTokens(*environment_tokens); });
  crmsync::auth::AuthServer server(registry, vendor, callers,
                                   {.allow_loopback_http = allow_loopback_http});
  (*runtime)->AddService(&server, crmsync::auth::v1::AuthService::service_full_name());
  crmsync::auth::LocalCallerAuthenticator local_callers(callers);
  crmsync::CachingAuthenticator cached_callers(local_callers, clock, *caller_cache_ttl);
  (*runtime)->SetCallerAuthentication(cached_callers, crmsync::auth::AuthMethodRoles());

  // A mint still in flight near the end of the drain is aborted (its lease released), so the
  // call waiting on it is answered within the grace period.
  (*runtime)->AddBackgroundTask("mint_cutoff", [&](const absl::Notification& stop) {
    stop.WaitForNotification();
    const absl::Duration grace = (*runtime)->options().drain_timeout;
    vendor.StopBy(absl::Now() + grace - std::min(grace / 2, absl::Seconds(1)));
  });
  (*runtime)->AddBackgroundTask("refresher", [&](const absl::Notification& stop) {
    Every(absl::GetFlag(FLAGS_refresh_interval), stop, [&] {
      if (auto renewed = vendor.RefreshDue(); !renewed.ok()) {
        crmsync::LogWarning("refresher pass failed", {{"error", renewed.status().ToString()}});
      }
    });
  });
  crmsync::work_queue::Metrics queue_metrics((*runtime)->registry());
  (*runtime)->AddBackgroundTask("queue-maintenance", [&](const absl::Notification& stop) {
    crmsync::work_queue::Maintain(
        (*runtime)->pool(), clock, queue_metrics,
        {.queues = {crmsync::auth::kFailureQueue}, .retention = *retention}, stop);
  });
  std::unique_ptr<crmsync::auth::NotifyNotifier> notifier;
  std::unique_ptr<crmsync::auth::FailureRelay> relay;
  std::unique_ptr<crmsync::work_queue::PgWorkQueue> relay_queue;
  std::unique_ptr<crmsync::work_queue::Worker> relay_worker;
  if (const std::string address = absl::GetFlag(FLAGS_notify_address); !address.empty()) {
    const absl::Duration notify_timeout = absl::Seconds(10);
    auto channel = (*runtime)->ChannelTo(address);
    if (!channel.ok()) return crmsync::ExitWithUsageError(channel.status());
    notifier = std::make_unique<crmsync::auth::NotifyNotifier>(*channel, notify_timeout);
    relay = std::make_unique<crmsync::auth::FailureRelay>(store, *notifier, metrics);
    // About eight hours of retries (backoff capped at 10 minutes) before a failure is DEAD.
    relay_queue = std::make_unique<crmsync::work_queue::PgWorkQueue>(
        (*runtime)->pool(), crmsync::auth::kFailureQueue, clock,
        crmsync::work_queue::RetryPolicy{50, {absl::Seconds(1), absl::Minutes(10), 2.0}},
        queue_metrics, crmsync::auth::PgStore::QueueHooks());
    relay_worker = std::make_unique<crmsync::work_queue::Worker>(
        *relay_queue,
        [&](const std::vector<crmsync::work_queue::Claim>& unit, const absl::Notification& stop) {
          return relay->Deliver(unit, stop);
        },
        crmsync::work_queue::WorkerOptions{.lease = absl::Seconds(60),
                                           .item_bound = notify_timeout + absl::Seconds(5),
                                           .idle_poll = absl::GetFlag(FLAGS_relay_interval)});
    (*runtime)->AddBackgroundTask("failure_relay",
                                  [&](const absl::Notification& stop) { relay_worker->Run(stop); });
  } else {
    crmsync::LogWarning("no --notify_address: broken-grant failures stay queued");
  }

  if (auto status = (*runtime)->Start(); !status.ok()) return crmsync::ExitWithError(status);
  (*runtime)->WaitForShutdown();
  return 0;
}

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <memory>

#include "absl/flags/flag.h"
#include "libs/auth_client/remote_authenticator.h"
#include "libs/common/clock.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "libs/grpc_server/runtime.h"
#include "libs/http/http_client.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/sync/auth_reads.h"
#include "services/sync/delivery.h"
#include "services/sync/failure_relay.h"
#include "services/sync/ingest/crm_notes_poll.h"
#include "services/sync/ingest/crm_watcher.h"
#include "services/sync/ingest/inbox_processor.h"
#include "services/sync/ingest/reconciler.h"
#include "services/sync/ingest/resync.h"
#include "services/sync/ingest/webhook_admin_server.h"
#include "services/sync/ingest/webhook_receiver.h"
#include "services/sync/ingest/zoho_source.h"
#include "services/sync/mapping_reads.h"
#include "services/sync/method_roles.h"
#include "services/sync/metrics.h"
#include "services/sync/notify_notifier.h"
#include "services/sync/pipeline.h"
#include "services/sync/projects_reads.h"
#include "services/sync/schema.h"
#include "services/sync/store/pg_backlog.h"
#include "services/sync/store/pg_delivery_store.h"
#include "services/sync/store/pg_inbox_store.h"
#include "services/sync/store/pg_rate_budget.h"
#include "services/sync/store/pg_reconcile_store.h"
#include "services/sync/store/pg_resync_queue.h"
#include "services/sync/store/pg_store.h"
#include "services/sync/sync_server.h"
#include "services/sync/zoho_writes.h"

ABSL_FLAG(std::string, mapping_address, "",
          "host:port of crmsync-mapping, which gives the portals' settings, user links, and "
          "projects' account mappings and deals; empty: the change RPCs and AddTaskToCrm are "
          "FAILED_PRECONDITION.");
ABSL_FLAG(absl::Duration, portal_cache_ttl, absl::Seconds(5),
          "How long a portal's settings read from mapping are used before reading them again.");
ABSL_FLAG(std::string, projects_api_url, "https://projectsapi.zoho.com",
          "Base URL of the Zoho Projects API (its data centre's host).");
ABSL_FLAG(absl::Duration, zoho_timeout, absl::Seconds(10),
          "Total timeout of one call to Zoho: a read (a rule's, AddTaskToCrm's or the inbox's), a "
          "delivery's write. A create (a CRM task, a note, a comment) whose answer was lost (a "
          "timeout, a dropped connection, a 5xx) is looked for on Zoho no sooner than this long "
          "after, before it is made again.");
ABSL_FLAG(std::string, notify_address, "",
          "host:port of crmsync-notify, which emails recorded failures to the person who made "
          "the change; empty: failures stay queued.");
ABSL_FLAG(int, delivery_workers, 2,
          "Workers delivering the outbox's writes to Zoho (each handles a batch of tasks' writes "
          "at a time, --delivery_batch); 0: none. Needs --mapping_address.");
ABSL_FLAG(int, delivery_batch, 100,
          "Tasks whose writes a delivery worker claims at once: the CRM updates of all of them "
          "of one portal go in one CRM call (at most 100 records each).");
ABSL_FLAG(
    absl::Duration, delivery_lease, absl::Minutes(2),
    "Lease of a delivery worker on the writes it claimed: a worker that dies holds them this "
    "long. Must exceed ten --zoho_timeout (the longest a task's writes can take, rate permits "
    "included); a batch starts writes until that long before its lease ends and gives the rest "
    "back.");
ABSL_FLAG(absl::Duration, delivery_poll, absl::Milliseconds(100),
          "How often an idle delivery worker looks for due writes.");
ABSL_FLAG(absl::Duration, relay_interval, absl::Seconds(1),
          "How often the failure relay looks for failures to hand to notify when none is due.");
ABSL_FLAG(int, webhook_port, 0,
          "HTTP port of the Zoho webhook receivers (POST /webhooks/crm and /webhooks/projects), "
          "on --listen_host; 0: no receivers.");
ABSL_FLAG(std::string, webhook_public_url, "",
          "Base URL Zoho reaches the webhook receivers at (e.g. https://crmsync.example.com); "
          "set: this replica keeps the CRM watch channels of WatchCrmTasks registered.");
ABSL_FLAG(absl::Duration, backlog_gauge_interval, absl::Seconds(5),
          "How often the outbox and inbox backlog gauges are read from PostgreSQL (one query "
          "each).");
ABSL_FLAG(absl::Duration, crm_watch_lifetime, absl::Hours(24),
          "Expiry asked for each CRM watch channel (at most 24h); renewed with half of it left.");
ABSL_FLAG(absl::Duration, reconcile_interval, absl::Seconds(60),
          "How often each portal with linked tasks is reconciled: what Zoho changed or deleted "
          "since its last pass is read back and submitted, catching what webhooks missed; 0: "
          "never. Needs --auth_address.");
ABSL_FLAG(absl::Duration, reconcile_pass_bound, absl::Minutes(5),
          "Longest a reconciliation pass may take; then it fails and its window is read again "
          "at the next pass. A replica that dies mid-pass holds the portal's pass this long and "
          "30 s more (or as much again, when shorter).");
ABSL_FLAG(absl::Duration, inbox_lease, absl::Minutes(2),
          "Lease of an inbox worker on the webhooks it claimed: a replica that dies holds them "
          "this long. Each webhook is given half of it, at most 60 s, to be read back and "
          "submitted.");

namespace {

// Set (to anything) only by the crash tests: the process dies right after Zoho took its first
// create and before delivery recorded it, where exactly-once delivery is put to the test.
constexpr char kKillAfterCreateEnv[] = "CRMSYNC_TEST_KILL_AFTER_ZOHO_CREATE";

constexpr char kSummary[] =
    "crmsync-sync: two-way sync of task fields and comments between Zoho Projects and Zoho CRM, "
    "with the integration's rules.";

// Stands in for a service the flags leave unset: every read is FAILED_PRECONDITION naming it.
class Unconfigured : public crmsync::sync::PortalSettingsSource,
                     public crmsync::sync::UserDirectory,
                     public crmsync::sync::ProjectDirectory {
 public:
  absl::StatusOr<crmsync::sync::PortalConfig> Get(absl::string_view, absl::Time) override {
    return absl::FailedPreconditionError("sync runs without --mapping_address: no portal settings");
  }
  absl::StatusOr<std::optional<crmsync::sync::Owner>> OwnerById(absl::string_view,
                                                                crmsync::sync::Side,
                                                                absl::string_view,
                                                                absl::Time) override {
    return absl::FailedPreconditionError("sync runs without --mapping_address: no user links");
  }
  absl::StatusOr<crmsync::sync::DirectoryProject> Project(absl::string_view, absl::string_view,
                                                          absl::Time) override {
    return NoProjects();
  }
  absl::StatusOr<std::vector<std::string>> ProjectDealIds(absl::string_view, absl::string_view,
                                                          absl::Time) override {
    return NoProjects();
  }

 private:
  static absl::Status NoProjects() {
    return absl::FailedPreconditionError(
        "sync runs without --mapping_address: no project account mappings or deals");
  }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace crmsync::sync;  // NOLINT(build/namespaces): main assembles this service
  crmsync::ParseCommandLineOrExit(argc, argv, kSummary);
  auto options = crmsync::RuntimeOptionsFromFlags("sync");
  if (!options.ok()) return crmsync::ExitWithUsageError(options.status());
  if (options->migrate_only) return crmsync::MigrateOnly(*options, SyncSchema());
  if (absl::GetFlag(FLAGS_portal_cache_ttl) < absl::ZeroDuration()) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--portal_cache_ttl: must not be negative"));
  }
  if (absl::GetFlag(FLAGS_zoho_timeout) <= absl::ZeroDuration()) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--zoho_timeout: must be positive"));
  }
  if (absl::GetFlag(FLAGS_webhook_port) < 0 || absl::GetFlag(FLAGS_webhook_port) > 65535) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--webhook_port: must be 0..65535"));
  }
  if (absl::GetFlag(FLAGS_crm_watch_lifetime) <= absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_crm_watch_lifetime) > absl::Hours(24)) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--crm_watch_lifetime: must be positive and at most 24h"));
  }
  if (absl::GetFlag(FLAGS_reconcile_interval) < absl::ZeroDuration()) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--reconcile_interval: must not be negative"));
  }
  if (absl::GetFlag(FLAGS_backlog_gauge_interval) <= absl::ZeroDuration()) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--backlog_gauge_interval: must be positive"));
  }
  if (absl::GetFlag(FLAGS_relay_interval) <= absl::ZeroDuration()) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--relay_interval: must be positive"));
  }
  if (absl::GetFlag(FLAGS_delivery_workers) < 0) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--delivery_workers: must not be negative"));
  }
  if (absl::GetFlag(FLAGS_delivery_batch) < 1) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--delivery_batch: must be positive"));
  }
  // Each unit of a task's writes is at most a create, an update per side and a 401's retry of
  // each, and a few comments: eight calls, each after waiting up to a quarter of --zoho_timeout
  // for its rate permit (a budget spent for longer makes the write retry later instead of
  // holding its worker). Reads wait as long, and never past their own deadline.
  const absl::Duration rate_permit_wait = absl::GetFlag(FLAGS_zoho_timeout) / 4;
  const absl::Duration delivery_bound = 10 * absl::GetFlag(FLAGS_zoho_timeout);
  if (absl::GetFlag(FLAGS_delivery_lease) <= delivery_bound) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--delivery_lease: must exceed ten --zoho_timeout"));
  }
  auto budget_options = RateBudgetOptionsFromFlags();
  if (!budget_options.ok()) return crmsync::ExitWithUsageError(budget_options.status());
  if (absl::GetFlag(FLAGS_delivery_poll) <= absl::ZeroDuration()) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--delivery_poll: must be positive"));
  }
  auto retention = crmsync::work_queue::QueueRetentionFromFlags();
  if (!retention.ok()) return crmsync::ExitWithUsageError(retention.status());

  auto auth_address = crmsync::AuthAddressFromFlags();
  if (!auth_address.ok()) return crmsync::ExitWithUsageError(auth_address.status());

  auto runtime = crmsync::Runtime::Create(*options, SyncSchema());
  if (!runtime.ok()) return crmsync::ExitWithError(runtime.status());
  crmsync::Runtime& rt = **runtime;
  const crmsync::Clock& clock = crmsync::RealClock();
  PgStore store(rt.pool());
  SyncMetrics metrics(rt.registry());

  Unconfigured unconfigured;
  std::unique_ptr<MappingReads> mapping;
  PortalSettingsSource* portals = &unconfigured;
  UserDirectory* users = &unconfigured;
  ProjectDirectory* directory = &unconfigured;
  if (!absl::GetFlag(FLAGS_mapping_address).empty()) {
    auto channel = rt.ChannelTo(absl::GetFlag(FLAGS_mapping_address));
    if (!channel.ok()) return crmsync::ExitWithUsageError(channel.status());
    mapping =
        std::make_unique<MappingReads>(*channel, clock, absl::GetFlag(FLAGS_portal_cache_ttl));
    portals = mapping.get();
    users = mapping.get();
    directory = mapping.get();
  }
  crmsync::http::CurlHttpClient curl({.total_timeout = absl::GetFlag(FLAGS_zoho_timeout)});
  RateBudgetMetrics budget_metrics(rt.registry());
  PgRateBudget budget(rt.pool(), clock, *budget_options, budget_metrics);
  auto auth = rt.ChannelTo(*auth_address);
  if (!auth.ok()) return crmsync::ExitWithUsageError(auth.status());
  AuthTokens tokens(*auth);
  ZohoCaller zoho_calls(tokens, curl, metrics, ZohoRateLimit{&budget, &clock, rate_permit_wait});
  ZohoIngestSource zoho_reads(zoho_calls, absl::GetFlag(FLAGS_projects_api_url));
  ZohoProjectsState zoho(zoho_calls, absl::GetFlag(FLAGS_projects_api_url));
  AuthGrantStates grants(*auth);
  crmsync::LogInfo("sync reads", {{"mapping_address", absl::GetFlag(FLAGS_mapping_address)},
                                  {"auth_address", *auth_address},
                                  {"projects_api_url", absl::GetFlag(FLAGS_projects_api_url)}});

  crmsync::work_queue::Metrics queue_metrics(rt.registry());
  rt.AddBackgroundTask("queue-maintenance", [&](const absl::Notification& stop) {
    crmsync::work_queue::Maintain(
        rt.pool(), clock, queue_metrics,
        {.queues = {kFailureRelayQueue, kInboxQueue, kOutboxQueue, kReconcileQueue, kResyncQueue},
         .retention = *retention},
        stop);
  });
  rt.AddBackgroundTask("backlog-gauges", [&](const absl::Notification& stop) {
    do {
      absl::StatusOr<SyncBacklog> backlog = ReadBacklog(rt.pool());
      if (backlog.ok()) {
        metrics.SetBacklog(*backlog, clock.Now());
      } else {
        crmsync::LogWarning("the backlog gauges were not read",
                            {{"error", backlog.status().ToString()}});
      }
    } while (!stop.WaitForNotificationWithTimeout(absl::GetFlag(FLAGS_backlog_gauge_interval)));
  });
  std::unique_ptr<NotifyNotifier> notifier;
  std::unique_ptr<FailureRelay> relay;
  std::unique_ptr<crmsync::work_queue::PgWorkQueue> relay_queue;
  std::unique_ptr<crmsync::work_queue::Worker> relay_worker;
  if (const std::string address = absl::GetFlag(FLAGS_notify_address); !address.empty()) {
    const absl::Duration notify_timeout = absl::Seconds(10);
    auto channel = rt.ChannelTo(address);
    if (!channel.ok()) return crmsync::ExitWithUsageError(channel.status());
    notifier = std::make_unique<NotifyNotifier>(*channel, notify_timeout);
    relay = std::make_unique<FailureRelay>(store, *users, *notifier, rt.registry());
    // About eight hours of retries (backoff capped at 10 minutes) before a failure is DEAD.
    relay_queue = std::make_unique<crmsync::work_queue::PgWorkQueue>(
        rt.pool(), kFailureRelayQueue, clock,
        crmsync::work_queue::RetryPolicy{50, {absl::Seconds(1), absl::Minutes(10), 2.0}},
        queue_metrics);
    relay_worker = std::make_unique<crmsync::work_queue::Worker>(
        *relay_queue,
        [&](const std::vector<crmsync::work_queue::Claim>& unit, const absl::Notification& stop) {
          return relay->Deliver(unit, stop);
        },
        crmsync::work_queue::WorkerOptions{.lease = absl::Seconds(60),
                                           .item_bound = notify_timeout + absl::Seconds(5),
                                           .idle_poll = absl::GetFlag(FLAGS_relay_interval)});
    rt.AddBackgroundTask("failure_relay",
                         [&](const absl::Notification& stop) { relay_worker->Run(stop); });
  } else {
    crmsync::LogWarning("no --notify_address: recorded failures stay queued");
  }

  std::unique_ptr<ZohoDeliveryWrites> writes;
  PgDeliveryStore delivery_store(rt.pool());
  std::unique_ptr<Delivery> delivery;
  std::unique_ptr<crmsync::work_queue::PgWorkQueue> outbox;
  std::vector<std::unique_ptr<crmsync::work_queue::Worker>> delivery_workers;
  if (absl::GetFlag(FLAGS_delivery_workers) > 0 && mapping) {
    writes =
        std::make_unique<ZohoDeliveryWrites>(zoho_calls, absl::GetFlag(FLAGS_projects_api_url));
    DeliveryOptions delivery_options;
    delivery_options.write_bound = delivery_bound;
    // A request Zoho still carries out after crmsync stopped waiting lands within about as long.
    delivery_options.lost_create_wait = absl::GetFlag(FLAGS_zoho_timeout);
    if (std::getenv(kKillAfterCreateEnv) != nullptr) {
      crmsync::LogWarning("the process kills itself after its first create on Zoho",
                          {{"env", kKillAfterCreateEnv}});
      delivery_options.after_create = [](OutboxKind) { ::raise(SIGKILL); };
    }
    delivery = std::make_unique<Delivery>(delivery_store, *portals, *writes, clock, metrics,
                                          delivery_options);
    // About eight hours of retries (backoff capped at 10 minutes) before a write is DEAD.
    outbox = std::make_unique<crmsync::work_queue::PgWorkQueue>(
        rt.pool(), kOutboxQueue, clock,
        crmsync::work_queue::RetryPolicy{50, {absl::Seconds(1), absl::Minutes(10), 2.0}},
        queue_metrics, PgDeliveryStore::OutboxHooks([&](const crmsync::work_queue::Claim& claim) {
          return delivery->FailureOf(claim);
        }));
    for (int i = 0; i < absl::GetFlag(FLAGS_delivery_workers); ++i) {
      delivery_workers.push_back(std::make_unique<crmsync::work_queue::Worker>(
          *outbox,
          [&](const std::vector<crmsync::work_queue::Claim>& unit, const absl::Notification& stop) {
            return delivery->Deliver(unit, stop);
          },
          // Delivery starts no write that could outlast the batch's lease (write_bound); what
          // it leaves is given back and claimed again at once.
          crmsync::work_queue::WorkerOptions{.batch = absl::GetFlag(FLAGS_delivery_batch),
                                             .group_limit = 50,
                                             .lease = absl::GetFlag(FLAGS_delivery_lease),
                                             .item_bound = delivery_bound,
                                             .idle_poll = absl::GetFlag(FLAGS_delivery_poll),
                                             .whole_batch = true}));
      crmsync::work_queue::Worker& worker = *delivery_workers.back();
      rt.AddBackgroundTask(absl::StrCat("delivery-", i),
                           [&worker](const absl::Notification& stop) { worker.Run(stop); });
    }
  } else {
    crmsync::LogWarning(
        "no delivery workers (--delivery_workers, --mapping_address): the "
        "outbox's writes stay queued");
  }

  ChangePipeline pipeline(store, *portals, *users, zoho, clock, metrics);
  AddToCrm add_to_crm(store, *portals, *users, *directory, zoho, grants, clock);
  // A portal's resync is queued, one item per task, and worked through as one task's is.
  const absl::Duration resync_bound = absl::Seconds(60);
  PgResyncQueue resync_queue(rt.pool());
  ZohoResyncer resyncer(store, zoho_reads, pipeline, *portals, resync_queue, metrics, clock,
                        resync_bound);
  crmsync::work_queue::PgWorkQueue resync_items(
      rt.pool(), kResyncQueue, clock,
      crmsync::work_queue::RetryPolicy{20, {absl::Seconds(1), absl::Minutes(10), 2.0}},
      queue_metrics);
  crmsync::work_queue::Worker resync_worker(
      resync_items,
      [&](const std::vector<crmsync::work_queue::Claim>& unit, const absl::Notification& stop) {
        return resyncer.Process(unit, stop);
      },
      crmsync::work_queue::WorkerOptions{
          .lease = absl::Seconds(120), .item_bound = resync_bound, .idle_poll = absl::Seconds(1)});
  rt.AddBackgroundTask("resync", [&](const absl::Notification& stop) { resync_worker.Run(stop); });
  SyncServer server(pipeline, store, add_to_crm, resyncer, clock, metrics,
                    [&rt] { return rt.serving(); });
  rt.AddService(&server, v1::SyncService::service_full_name());

  // Webhooks are stored and answered at once; the inbox worker reads what they name back from
  // Zoho and submits it, task changes and comments through the same pipeline as the RPCs.
  PgInboxStore inbox(rt.pool());
  WebhookAdminServer webhook_admin(inbox, clock);
  rt.AddService(&webhook_admin, v1::SyncWebhookService::service_full_name());
  WebhookReceiver receiver(inbox, clock);
  WebhookServer webhooks(receiver, metrics);
  if (const int port = absl::GetFlag(FLAGS_webhook_port); port != 0) {
    if (auto status = webhooks.Bind(options->listen_host, port); !status.ok()) {
      return crmsync::ExitWithError(status);
    }
    crmsync::LogInfo("webhooks listening", {{"webhook_port", port}});
    rt.AddBackgroundTask("webhooks", [&](const absl::Notification& stop) { webhooks.Serve(stop); });
  }
  const absl::Duration inbox_lease = absl::GetFlag(FLAGS_inbox_lease);
  if (inbox_lease <= absl::ZeroDuration()) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--inbox_lease: must be positive"));
  }
  const absl::Duration item_bound = std::min(absl::Seconds(60), inbox_lease / 2);
  InboxProcessor processor(inbox, zoho_reads, pipeline, metrics,
                           PipelineCommentSink(pipeline, metrics), clock, item_bound);
  // About eight hours of retries (backoff capped at 10 minutes) before a webhook is DEAD.
  crmsync::work_queue::PgWorkQueue inbox_queue(
      rt.pool(), kInboxQueue, clock,
      crmsync::work_queue::RetryPolicy{50, {absl::Seconds(1), absl::Minutes(10), 2.0}},
      queue_metrics);
  crmsync::work_queue::Worker inbox_worker(
      inbox_queue,
      [&](const std::vector<crmsync::work_queue::Claim>& unit, const absl::Notification& stop) {
        return processor.Process(unit, stop);
      },
      crmsync::work_queue::WorkerOptions{.lease = inbox_lease,
                                         .item_bound = item_bound,
                                         // A webhook is a person's edit: keep it quick.
                                         .idle_poll = absl::Milliseconds(100)});
  rt.AddBackgroundTask("inbox", [&](const absl::Notification& stop) { inbox_worker.Run(stop); });
  // Each portal's pass is an item of kReconcileQueue, so one replica at a time runs it.
  PgReconcileStore reconcile_store(rt.pool());
  std::unique_ptr<CrmNotesPoll> notes_poll;
  std::unique_ptr<Reconciler> reconciler;
  std::unique_ptr<crmsync::work_queue::PgWorkQueue> reconcile_queue;
  std::unique_ptr<crmsync::work_queue::Worker> reconcile_worker;
  if (const absl::Duration interval = absl::GetFlag(FLAGS_reconcile_interval);
      interval > absl::ZeroDuration()) {
    const absl::Duration pass_bound = absl::GetFlag(FLAGS_reconcile_pass_bound);
    if (pass_bound <= absl::ZeroDuration()) {
      return crmsync::ExitWithUsageError(
          absl::InvalidArgumentError("--reconcile_pass_bound: must be positive"));
    }
    const ReconcileOptions reconcile_options{
        .interval = interval, .overlap = absl::Seconds(1), .pass_bound = pass_bound};
    notes_poll = std::make_unique<CrmNotesPoll>(store, zoho_reads, pipeline, metrics, clock);
    reconciler = std::make_unique<Reconciler>(reconcile_store, zoho_reads, pipeline,
                                              notes_poll.get(), metrics, clock, reconcile_options);
    // A failed pass waits for the next interval (Outcome::Later) and never retries sooner.
    reconcile_queue = std::make_unique<crmsync::work_queue::PgWorkQueue>(
        rt.pool(), kReconcileQueue, clock, crmsync::work_queue::RetryPolicy{}, queue_metrics,
        PgReconcileStore::PassHooks(interval));
    reconcile_worker = std::make_unique<crmsync::work_queue::Worker>(
        *reconcile_queue,
        [&](const std::vector<crmsync::work_queue::Claim>& unit, const absl::Notification& stop) {
          return reconciler->Process(unit, stop);
        },
        // One portal per claim, so that other replicas take the other due portals meanwhile.
        crmsync::work_queue::WorkerOptions{
            .batch = 1,
            .lease = pass_bound + std::min(absl::Seconds(30), pass_bound),
            .item_bound = reconcile_options.pass_bound,
            .idle_poll = std::min(interval, absl::Seconds(1))});
    rt.AddBackgroundTask("reconcile",
                         [&](const absl::Notification& stop) { reconcile_worker->Run(stop); });
    rt.AddBackgroundTask("reconcile_queue",
                         [&](const absl::Notification& stop) { reconciler->QueuePasses(stop); });
  }
  std::unique_ptr<CrmWatcher> watcher;
  if (const std::string url = absl::GetFlag(FLAGS_webhook_public_url); !url.empty()) {
    watcher = std::make_unique<CrmWatcher>(
        inbox, zoho_calls, metrics, clock,
        CrmWatcherOptions{url, absl::GetFlag(FLAGS_crm_watch_lifetime)});
    rt.AddBackgroundTask("crm_watch", [&](const absl::Notification& stop) { watcher->Run(stop); });
  }
  auto callers = crmsync::VerifyCallersWithAuth(rt, *auth_address, SyncMethodRoles());
  if (!callers.ok()) return crmsync::ExitWithUsageError(callers.status());
  if (auto status = rt.Start(); !status.ok()) return crmsync::ExitWithError(status);
  rt.WaitForShutdown();
  return 0;
}

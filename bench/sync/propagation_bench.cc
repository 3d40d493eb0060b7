// How fast and how frugally crmsync-sync carries changes to the other side, end to end against
// zoho-sim as Zoho: the real crmsync-auth (tokens), crmsync-mapping (the portal) and crmsync-sync
// (two delivery workers, --delivery_poll=20ms, the Projects webhook receiver) on a real
// PostgreSQL, with grants for both sides and linked tasks seeded in the simulator and the store.
// Three figures, each beside its target:
//
// 1. Propagation latency of a person's edit, with no rate pressure (the Projects budget of sim
//    and sync at 100,000 requests a minute): a Projects task's title edited through the
//    simulator's control API, which fires the portal's webhook at sync's receiver; sync reads the
//    task back and writes the CRM task. Edits go one at a time, after a random pause of up to
//    200 ms (so they do not fall in step with sync's polls). The latency runs from the moment
//    before the edit is sent to the simulator to the time the simulator logged the CRM update
//    (PUT /crm/v2/Tasks, in its request log, taken as the update is applied), so how often this
//    program looks for the new value does not count. Target p99 < 250 ms.
// 2. Zoho API calls per change in a burst: 1,000 Projects-origin title changes over 100 linked
//    tasks submitted through SubmitChange (8 at a time, as fast as sync takes them). Every call
//    the simulator's CRM and Projects APIs received from the burst's start until the outbox
//    drained, reads included (/_sim/counts; token mints by auth are shown apart), divided by
//    1,000. Target <= 0.2.
// 3. Sustained deliveries per second while the rate limit binds: sim and sync at
//    --projects_requests_per_minute=L, a backlog of CRM-origin title changes on as many linked
//    tasks (each one Projects task update), and the Projects updates the simulator answered 2xx
//    within a window that opens 5 s after the backlog starts (Projects' limit is a sliding
//    minute, so the window is whole minutes: a shorter one would see the first minute's burst or
//    its wait). No webhook is configured there, so nothing but the deliveries spends the
//    budget. Target >= 0.95 of L/60.
//
// The services' resident memory, idle and at the end of each suite's load, goes to the report
// (bench/support/report.h).
//
// Exits 1 when something fails (a write never arrives, a call fails, the outbox does not drain);
// a missed target is printed, not an error.
//
//   pg_virtualenv -t -v 15 build/bin/bench_sync_propagation [--quick]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/support/services.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "crmsync/sync/v1/webhooks.grpc.pb.h"
#include "libs/grpc_server/proto_convert.h"
#include "libs/pg/pool.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/sync/outbox.h"
#include "services/sync/schema.h"
#include "services/sync/store/inbox_store.h"
#include "services/sync/store/pg_store.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/free_port.h"
#include "tests/support/zoho_sim/sim_grant.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace {

namespace sync = crmsync::sync;
using crmsync::bench::Report;
using crmsync::bench::Service;
using crmsync::bench::StartService;
using crmsync::bench::Verdict;
using crmsync::http::Method;

constexpr char kClientId[] = "1000.BENCH";
constexpr char kClientSecret[] = "bench-secret";
constexpr char kAdmin[] = "admin@acme.example";
constexpr int kUnlimited = 100000;  // Projects requests a minute: no rate pressure
constexpr int kBurstTasks = 100;
constexpr int kBurstChanges = 1000;
constexpr int kSubmitters = 8;
constexpr crmsync::bench::Target kLatencyTarget = crmsync::bench::Below(250, "ms");
constexpr crmsync::bench::Target kCallsPerChangeTarget = crmsync::bench::AtMost(0.2);
constexpr crmsync::bench::Target kRateShareTarget = crmsync::bench::AtLeast(0.95);
constexpr absl::Duration kArrivalBound = absl::Seconds(30);
constexpr absl::Duration kRateWarmUp = absl::Seconds(5);
constexpr char kCrmUpdate[] = "PUT /crm/v2/{module}";
constexpr char kProjectsUpdate[] = "POST /restapi/portal/{portal}/projects/{project}/tasks/{task}/";

std::string Id(const nlohmann::json& record) {
  return record["id"].is_string() ? record["id"].get<std::string>() : record["id"].dump();
}

// A Projects task and the CRM task it is linked to.
struct LinkedTask {
  std::string projects_id;
  std::string crm_id;
};

// zoho-sim and the services on a new database, a portal with grants for both sides, a CRM
// account and a project to hang tasks on.
class Suite {
 public:
  // Starts it with the Projects limit `projects_per_minute` in the simulator and sync alike.
  static absl::StatusOr<std::unique_ptr<Suite>> Start(int projects_per_minute) {
    std::unique_ptr<Suite> suite(new Suite);
    auto database = crmsync::testing::TestDatabase::Create();
    if (!database.ok()) return database.status();
    suite->database_ = *std::move(database);
    const std::string url = suite->database_->url();
    const std::string limit = absl::StrCat("--projects_requests_per_minute=", projects_per_minute);
    auto sim = crmsync::testing::ZohoSimProcess::Start({limit});
    if (!sim.ok()) return sim.status();
    suite->sim_ = *std::move(sim);
    const std::string health = "--health_check_interval=200ms";
    auto auth = crmsync::bench::StartAuth(url, {health});
    if (!auth.ok()) return auth.status();
    suite->auth_ = *std::move(auth);
    auto mapping = StartService("crmsync-mapping", url,
                                {"--auth_address=" + suite->auth_.address,
                                 "--projects_api_url=" + suite->sim_->base_url(), health});
    if (!mapping.ok()) return mapping.status();
    suite->mapping_ = *std::move(mapping);
    const absl::StatusOr<int> webhook_port = crmsync::testing::FreePort();
    if (!webhook_port.ok()) return webhook_port.status();
    suite->webhook_base_ = absl::StrCat("http://127.0.0.1:", *webhook_port);
    auto server = StartService(
        "crmsync-sync", url,
        {"--auth_address=" + suite->auth_.address, "--mapping_address=" + suite->mapping_.address,
         "--projects_api_url=" + suite->sim_->base_url(),
         absl::StrCat("--webhook_port=", *webhook_port), "--delivery_workers=2",
         "--delivery_poll=20ms", limit, health});
    if (!server.ok()) return server.status();
    suite->sync_ = *std::move(server);
    suite->stub_ = sync::v1::SyncService::NewStub(suite->sync_.channel);
    if (auto status = suite->Seed(); !status.ok()) return status;
    return suite;
  }

  // Calls the simulator's control API.
  absl::StatusOr<nlohmann::json> Control(Method method, const std::string& path,
                                         const nlohmann::json& body = nullptr) {
    return sim_->Control(method, path, body);
  }

  // Adds `count` tasks in Projects and in CRM, each pair linked in the store with the Projects
  // title as canonical, set an hour ago. The Projects tasks have a priority: sync writes "no
  // priority" to CRM as an empty Priority, which CRM refuses.
  absl::Status LinkTasks(int count) {
    const absl::Time set = absl::Now() - absl::Hours(1);
    for (int i = 0; i < count; ++i) {
      const std::string title = absl::StrCat("Bench task ", i);
      auto created = Control(
          Method::kPost, "/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks",
          {{"fields", {{"name", title}, {"priority", "medium"}}}, {"user_email", kAdmin}});
      if (!created.ok()) return created.status();
      LinkedTask task{Id((*created)["tasks"][0]), ""};
      auto crm = Control(
          Method::kPost, "/_sim/crm/Tasks",
          {{"Subject", title}, {"What_Id", {{"id", account_}}}, {"$se_module", "Accounts"}});
      if (!crm.ok()) return crm.status();
      task.crm_id = Id(*crm);
      sync::TaskLink link;
      link.portal_id = portal_;
      link.project_id = project_;
      link.projects_task_id = task.projects_id;
      link.crm_task_id = task.crm_id;
      link.crm_module = sync::CrmModule::kAccounts;
      link.crm_record_id = account_;
      link.state = sync::LinkState::kActive;
      auto linked =
          store_->CreateLink(link,
                             {{sync::Field::kTitle,
                               sync::FieldState{title, 1, sync::Side::kProjects, set, "seed", {}}}},
                             set);
      if (!linked.ok()) return linked.status();
      tasks_.push_back(std::move(task));
      if ((i + 1) % 250 == 0)
        crmsync::bench::Progress(absl::StrFormat("linked %d of %d tasks", i + 1, count));
    }
    return absl::OkStatus();
  }

  // Plays the portal's admin in Projects: the task webhook at sync's receiver, with a secret
  // sync issued.
  absl::Status PointProjectsWebhooksAtSync() {
    auto admin = sync::v1::SyncWebhookService::NewStub(sync_.channel);
    sync::v1::IssueWebhookSecretRequest request;
    request.set_portal_id(portal_);
    request.set_side(crmsync::common::v1::SIDE_PROJECTS);
    sync::v1::IssueWebhookSecretResponse response;
    grpc::ClientContext context;
    if (const grpc::Status status = admin->IssueWebhookSecret(&context, request, &response);
        !status.ok()) {
      return absl::UnknownError("IssueWebhookSecret: " + status.error_message());
    }
    return Control(Method::kPost, "/_sim/projects/portals/" + portal_ + "/webhook",
                   {{"url", webhook_base_ + "/webhooks/projects"},
                    {"secret_param", "crmsync_secret"},
                    {"secret", response.secret()}})
        .status();
  }

  // Submits `change`; true when it was APPLIED, false for another outcome (e.g. STALE).
  absl::StatusOr<bool> Submit(const sync::v1::TaskChange& change) {
    sync::v1::SubmitChangeRequest request;
    *request.mutable_change() = change;
    sync::v1::SubmitChangeResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (const grpc::Status status = stub_->SubmitChange(&context, request, &response);
        !status.ok()) {
      return absl::UnknownError(
          absl::StrCat("SubmitChange: code ", status.error_code(), ": ", status.error_message()));
    }
    return response.outcome().result() == sync::v1::OUTCOME_APPLIED;
  }

  // Waits up to `bound` for `queue` to hold nothing pending or running, printing its depth every
  // 5 s under `label`. An error when it did not, or when an item went DEAD.
  absl::Status Drained(const std::string& queue, absl::Duration bound, const std::string& label) {
    const absl::Time start = absl::Now();
    absl::Time next_progress = start + absl::Seconds(5);
    for (;;) {
      auto stats = crmsync::work_queue::ReadStats(*pool_, queue, absl::Now());
      if (!stats.ok()) return stats.status();
      if (stats->dead > 0) {
        return absl::InternalError(absl::StrCat(queue, ": ", stats->dead, " items DEAD"));
      }
      if (stats->pending + stats->running == 0) return absl::OkStatus();
      if (absl::Now() - start > bound) {
        return absl::DeadlineExceededError(absl::StrCat(queue, " not drained after ",
                                                        absl::FormatDuration(bound), ": ",
                                                        stats->pending, " pending"));
      }
      if (absl::Now() >= next_progress) {
        crmsync::bench::Progress(
            absl::StrFormat("%s: %lld writes pending after %.0f s", label.c_str(),
                            static_cast<long long>(stats->pending + stats->running),
                            absl::ToDoubleSeconds(absl::Now() - start)));
        next_progress += absl::Seconds(5);
      }
      absl::SleepFor(absl::Milliseconds(50));  // polling the queue, bounded above
    }
  }

  // Waits up to `bound` for `field` of the simulator's record at `path` to read `value`.
  absl::Status Shows(const std::string& path, const std::string& field, const std::string& value,
                     absl::Duration bound) {
    const absl::Time deadline = absl::Now() + bound;
    for (;;) {
      auto record = Control(Method::kGet, path);
      if (!record.ok()) return record.status();
      if (record->value(field, "") == value) return absl::OkStatus();
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(
            absl::StrCat(path, " ", field, " is \"", record->value(field, ""), "\", not \"", value,
                         "\" after ", absl::FormatDuration(bound)));
      }
      absl::SleepFor(absl::Milliseconds(2));  // polling the simulator, bounded above
    }
  }

  // For a failure's message: the last `count` lines crmsync-sync logged, the states and last
  // errors of its queues' items, and the simulator's last `count` requests.
  std::string Diagnosis(size_t count) {
    std::string text = "\ncrmsync-sync's last lines:";
    const std::vector<std::string> lines = sync_.process->StderrLines();
    for (size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) {
      absl::StrAppend(&text, "\n  ", lines[i]);
    }
    absl::StrAppend(&text, "\nqueue items:");
    try {
      pqxx::connection connection(database_->url());
      pqxx::nontransaction tx(connection);
      for (const auto& row :
           tx.exec("SELECT queue, state, count(*) AS items, max(last_error) AS last_error FROM "
                   "sync.work_items GROUP BY queue, state ORDER BY queue, state")) {
        absl::StrAppend(&text, "\n  ", row["queue"].as<std::string>(), " ",
                        row["state"].as<std::string>(), " ", row["items"].as<int64_t>(), " ",
                        row["last_error"].is_null() ? "" : row["last_error"].as<std::string>());
      }
    } catch (const std::exception& e) {
      absl::StrAppend(&text, " ", e.what());
    }
    if (auto log = Control(Method::kGet, "/_sim/requests"); log.ok()) {
      const auto& requests = (*log)["requests"];
      absl::StrAppend(&text, "\nthe simulator's last requests:");
      for (size_t i = requests.size() > count ? requests.size() - count : 0; i < requests.size();
           ++i) {
        absl::StrAppend(&text, "\n  ", requests[i].dump());
      }
    }
    return text;
  }

  // Reports the memory of the services at the end of `load` (see report.h).
  void ReportMemory(absl::string_view load) const {
    for (const Service* service : {&auth_, &mapping_, &sync_}) {
      crmsync::bench::ReportMemory(*service, load);
    }
  }

  const std::string& portal() const { return portal_; }
  const std::vector<LinkedTask>& tasks() const { return tasks_; }

 private:
  Suite() = default;

  absl::Status Seed() {
    auto refresh_token = sim_->SeedGrant(kClientId, kClientSecret, kAdmin);
    if (!refresh_token.ok()) return refresh_token.status();
    auto portal = Control(Method::kPost, "/_sim/projects/portals", {{"name", "acme"}});
    if (!portal.ok()) return portal.status();
    portal_ = (*portal)["id_string"];
    {
      auto mapping = crmsync::mapping::v1::MappingService::NewStub(mapping_.channel);
      crmsync::mapping::v1::UpsertPortalRequest request;
      request.mutable_portal()->set_portal_id(portal_);
      request.mutable_portal()->set_name("Acme");
      request.mutable_portal()->set_crm_org_id("20050");
      crmsync::mapping::v1::UpsertPortalResponse response;
      grpc::ClientContext context;
      if (const grpc::Status status = mapping->UpsertPortal(&context, request, &response);
          !status.ok()) {
        return absl::UnknownError("UpsertPortal: " + status.error_message());
      }
    }
    const std::vector<std::pair<crmsync::common::v1::Side, std::vector<std::string>>> grants = {
        {crmsync::common::v1::SIDE_CRM,
         {"ZohoCRM.modules.tasks.ALL", "ZohoCRM.modules.tasks.READ", "ZohoCRM.modules.notes.ALL"}},
        {crmsync::common::v1::SIDE_PROJECTS,
         {"ZohoProjects.tasks.ALL", "ZohoProjects.tasks.READ", "ZohoProjects.projects.READ",
          "ZohoProjects.users.READ"}}};
    for (const auto& [side, scopes] : grants) {
      const grpc::Status status = crmsync::testing::RegisterSimGrant(
          auth_.channel, *sim_,
          {portal_, side, kClientId, kClientSecret, *refresh_token, scopes, kAdmin});
      if (!status.ok()) return absl::UnknownError("RegisterGrant: " + status.error_message());
    }
    if (auto user = Control(Method::kPost, "/_sim/projects/portals/" + portal_ + "/users",
                            {{"name", "Admin"}, {"email", kAdmin}});
        !user.ok()) {
      return user.status();
    }
    auto account = Control(Method::kPost, "/_sim/crm/Accounts", {{"Account_Name", "Globex"}});
    if (!account.ok()) return account.status();
    account_ = Id(*account);
    auto project = Control(Method::kPost, "/_sim/projects/portals/" + portal_ + "/projects",
                           {{"name", "Data Migration"}});
    if (!project.ok()) return project.status();
    project_ = (*project)["id_string"];

    crmsync::pg::PoolOptions options;
    options.database_url = database_->url();
    options.schema = "sync";
    options.statements = sync::Queries();
    auto pool = crmsync::pg::Pool::Create(options);
    if (!pool.ok()) return pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<sync::PgStore>(*pool_);
    return absl::OkStatus();
  }

  // Declared in the order they start; the services stop before the simulator and the database.
  std::unique_ptr<crmsync::testing::TestDatabase> database_;
  std::unique_ptr<crmsync::testing::ZohoSimProcess> sim_;
  Service auth_, mapping_, sync_;
  std::unique_ptr<sync::v1::SyncService::Stub> stub_;
  std::unique_ptr<crmsync::pg::Pool> pool_;
  std::unique_ptr<sync::PgStore> store_;
  std::string webhook_base_, portal_, project_, account_;
  std::vector<LinkedTask> tasks_;
};

// A title change of `task_id` made on `origin` at `modified`.
sync::v1::TaskChange TitleChange(const std::string& portal, crmsync::common::v1::Side origin,
                                 const std::string& task_id, const std::string& event_id,
                                 const std::string& title, absl::Time modified) {
  sync::v1::TaskChange change;
  change.set_portal_id(portal);
  change.set_origin_side(origin);
  change.set_event_id(event_id);
  change.set_task_id(task_id);
  change.mutable_fields()->set_title(title);
  change.mutable_actor()->set_user_id(origin == crmsync::common::v1::SIDE_CRM ? "4000000000007"
                                                                              : "1700000000077");
  *change.mutable_source_modified_time() = crmsync::ToProtoTimestamp(modified);
  return change;
}

// When the simulator logged the calls to `endpoint` it answered with a status in [low, high],
// in order (2xx by default).
absl::StatusOr<std::vector<absl::Time>> LoggedCalls(Suite& suite, const std::string& endpoint,
                                                    int low = 200, int high = 299) {
  auto log = suite.Control(Method::kGet, "/_sim/requests");
  if (!log.ok()) return log.status();
  std::vector<absl::Time> times;
  for (const auto& request : (*log)["requests"]) {
    const int status = request["status"].get<int>();
    if (request["endpoint"] != endpoint || status < low || status > high) continue;
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, request["time"].get<std::string>(), &time, &error)) {
      return absl::InternalError("request log time: " + error);
    }
    times.push_back(time);
  }
  std::sort(times.begin(), times.end());
  return times;
}

// Figure 1: `edits` Projects title edits one after another, each timed to its CRM update.
absl::Status MeasureLatency(Suite& suite, int edits) {
  crmsync::bench::Progress(
      absl::StrFormat("figure 1: %d title edits in Projects, one at a time", edits));
  std::vector<absl::Duration> latencies;
  // People do not edit in step with sync's polls: a random pause before each edit keeps the
  // edits from locking onto the inbox's and the outbox's poll cycles.
  std::mt19937 random(11);
  std::uniform_int_distribution<int> pause_ms(0, 200);
  for (int i = 0; i < edits; ++i) {
    absl::SleepFor(absl::Milliseconds(pause_ms(random)));
    const int index = i % static_cast<int>(suite.tasks().size());
    const LinkedTask& task = suite.tasks()[index];
    const std::string title = absl::StrCat("Bench task ", index, " edit ", i);
    if (auto cleared = suite.Control(Method::kDelete, "/_sim/requests"); !cleared.ok()) {
      return cleared.status();
    }
    const absl::Time edited = absl::Now();
    if (auto edit = suite.Control(
            Method::kPost,
            "/_sim/projects/portals/" + suite.portal() + "/tasks/" + task.projects_id + "/edit",
            {{"user_email", kAdmin}, {"fields", {{"name", title}}}});
        !edit.ok()) {
      return edit.status();
    }
    if (auto shown = suite.Shows("/_sim/crm/Tasks/" + task.crm_id, "Subject", title, kArrivalBound);
        !shown.ok()) {
      return absl::DeadlineExceededError(
          absl::StrCat("edit ", i, " never reached CRM: ", shown.message()));
    }
    auto updates = LoggedCalls(suite, kCrmUpdate);
    if (!updates.ok()) return updates.status();
    if (updates->empty()) {
      return absl::InternalError(absl::StrCat("edit ", i, ": CRM shows it but logged no update"));
    }
    latencies.push_back(updates->back() - edited);
    if ((i + 1) % 50 == 0)
      crmsync::bench::Progress(absl::StrFormat("%d of %d edits arrived", i + 1, edits));
  }
  std::sort(latencies.begin(), latencies.end());
  const absl::Duration p50 = latencies[latencies.size() / 2];
  const absl::Duration p99 = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  std::printf(
      "1. propagation latency, Projects edit -> CRM write (%d edits, no rate pressure): p50 %.1f "
      "ms, p99 %.1f ms, max %.1f ms; target p99 %s: %s\n",
      edits, absl::ToDoubleMilliseconds(p50), absl::ToDoubleMilliseconds(p99),
      absl::ToDoubleMilliseconds(latencies.back()), kLatencyTarget.Text().c_str(),
      Verdict(kLatencyTarget.MetBy(absl::ToDoubleMilliseconds(p99))));
  const std::string what =
      absl::StrCat("latency, Projects edit -> CRM write (", edits, " edits, no rate pressure)");
  Report(absl::StrCat(what, " p50"), absl::ToDoubleMilliseconds(p50), "ms", 1);
  Report(absl::StrCat(what, " p99"), absl::ToDoubleMilliseconds(p99), "ms", 1, kLatencyTarget);
  std::fflush(stdout);
  return absl::OkStatus();
}

// Figure 2: 1,000 Projects-origin changes over 100 tasks through SubmitChange, and every call
// the simulator received until the outbox drained.
absl::Status MeasureBurst(Suite& suite) {
  crmsync::bench::Progress(absl::StrFormat("figure 2: %d SubmitChange title changes over %d tasks",
                                           kBurstChanges, kBurstTasks));
  // What earlier edits left in flight is not the burst's.
  if (auto s = suite.Drained(sync::kInboxQueue, absl::Seconds(60), "inbox"); !s.ok()) return s;
  if (auto s = suite.Drained(sync::kOutboxQueue, absl::Seconds(60), "outbox"); !s.ok()) return s;
  if (auto cleared = suite.Control(Method::kDelete, "/_sim/requests"); !cleared.ok()) {
    return cleared.status();
  }
  // Change n retitles task n mod 100, modified n µs after `base`: later changes of a task are
  // newer, so its last one is what CRM must show whatever order they arrive in.
  const absl::Time base = absl::Now();
  std::atomic<int> next{0}, applied{0};
  std::vector<absl::Status> errors(kSubmitters);
  std::vector<std::thread> submitters;
  for (int t = 0; t < kSubmitters; ++t) {
    submitters.emplace_back([&, t] {
      for (int n = next++; n < kBurstChanges && errors[t].ok(); n = next++) {
        const int index = n % kBurstTasks;
        auto outcome = suite.Submit(TitleChange(
            suite.portal(), crmsync::common::v1::SIDE_PROJECTS, suite.tasks()[index].projects_id,
            absl::StrCat("burst-", n), absl::StrCat("Bench task ", index, " burst ", n),
            base + absl::Microseconds(n)));
        if (!outcome.ok()) {
          errors[t] = outcome.status();
        } else if (*outcome) {
          ++applied;
        }
      }
    });
  }
  for (auto& submitter : submitters) submitter.join();
  for (const absl::Status& error : errors) {
    if (!error.ok()) return error;
  }
  const absl::Duration submitted = absl::Now() - base;
  crmsync::bench::Progress(absl::StrFormat("submitted in %.2f s, %d APPLIED",
                                           absl::ToDoubleSeconds(submitted), applied.load()));
  if (auto s = suite.Drained(sync::kOutboxQueue, absl::Seconds(120), "outbox"); !s.ok()) return s;
  const absl::Duration drained = absl::Now() - base;
  auto counts = suite.Control(Method::kGet, "/_sim/counts");
  if (!counts.ok()) return counts.status();
  for (int index = 0; index < kBurstTasks; ++index) {
    const std::string last =
        absl::StrCat("Bench task ", index, " burst ", kBurstChanges - kBurstTasks + index);
    if (auto shown = suite.Shows("/_sim/crm/Tasks/" + suite.tasks()[index].crm_id, "Subject", last,
                                 absl::ZeroDuration());
        !shown.ok()) {
      return absl::InternalError(absl::StrCat("after the burst: ", shown.message()));
    }
  }
  int zoho_calls = 0, token_mints = 0;
  std::string breakdown;
  for (const auto& [endpoint, count] : (*counts)["counts"].items()) {
    if (absl::StrContains(endpoint, "/oauth/")) {
      token_mints += count.get<int>();
      continue;
    }
    zoho_calls += count.get<int>();
    absl::StrAppend(&breakdown, breakdown.empty() ? "" : ", ", endpoint, " ", count.get<int>());
  }
  const double per_change = static_cast<double>(zoho_calls) / kBurstChanges;
  std::printf(
      "2. Zoho API calls per change, burst of %d Projects-origin changes over %d tasks "
      "(SubmitChange, %d APPLIED, submitted in %.1f s, outbox drained after %.1f s): %d calls, "
      "%.3f per change; target %s: %s\n",
      kBurstChanges, kBurstTasks, applied.load(), absl::ToDoubleSeconds(submitted),
      absl::ToDoubleSeconds(drained), zoho_calls, per_change, kCallsPerChangeTarget.Text().c_str(),
      Verdict(kCallsPerChangeTarget.MetBy(per_change)));
  Report(absl::StrCat("Zoho API calls per change, burst of ", kBurstChanges, " changes over ",
                      kBurstTasks, " tasks"),
         per_change, "", 3, kCallsPerChangeTarget);
  std::printf("   calls: %s; token mints by auth (not counted): %d\n", breakdown.c_str(),
              token_mints);
  std::fflush(stdout);
  return absl::OkStatus();
}

// Figure 3: a backlog of `backlog` CRM-origin changes, each one Projects update, at
// `per_minute` Projects requests a minute; deliveries over `window` after the warm-up.
absl::Status MeasureRate(Suite& suite, int per_minute, int backlog, absl::Duration window) {
  crmsync::bench::Progress(absl::StrFormat(
      "figure 3: %d CRM-origin changes to deliver to Projects at %d requests a minute, "
      "counted over %.0f s",
      backlog, per_minute, absl::ToDoubleSeconds(window)));
  const absl::Time start = absl::Now();
  std::atomic<int> next{0};
  std::vector<absl::Status> errors(kSubmitters);
  std::vector<std::thread> submitters;
  for (int t = 0; t < kSubmitters; ++t) {
    submitters.emplace_back([&, t] {
      for (int n = next++; n < backlog && errors[t].ok(); n = next++) {
        auto outcome = suite.Submit(TitleChange(
            suite.portal(), crmsync::common::v1::SIDE_CRM, suite.tasks()[n].crm_id,
            absl::StrCat("backlog-", n), absl::StrCat("Bench task ", n, " from CRM"), start));
        if (!outcome.ok()) {
          errors[t] = outcome.status();
        } else if (!*outcome) {
          errors[t] = absl::InternalError(absl::StrCat("backlog change ", n, " not APPLIED"));
        }
      }
    });
  }
  for (auto& submitter : submitters) submitter.join();
  for (const absl::Status& error : errors) {
    if (!error.ok()) return error;
  }
  crmsync::bench::Progress(
      absl::StrFormat("backlog submitted in %.2f s", absl::ToDoubleSeconds(absl::Now() - start)));
  const absl::Time opens = start + kRateWarmUp;
  const absl::Time closes = opens + window;
  while (absl::Now() < closes) {
    absl::SleepFor(std::min(absl::Seconds(10), closes - absl::Now()));  // the window's clock
    auto delivered = LoggedCalls(suite, kProjectsUpdate);
    if (!delivered.ok()) return delivered.status();
    crmsync::bench::Progress(absl::StrFormat("%.0f s: %zu of %d delivered",
                                             absl::ToDoubleSeconds(absl::Now() - start),
                                             delivered->size(), backlog));
  }
  auto delivered = LoggedCalls(suite, kProjectsUpdate);
  if (!delivered.ok()) return delivered.status();
  auto throttled = LoggedCalls(suite, kProjectsUpdate, 429, 429);
  if (!throttled.ok()) return throttled.status();
  const auto in_window = [&](const std::vector<absl::Time>& times) {
    return std::count_if(times.begin(), times.end(),
                         [&](absl::Time t) { return t >= opens && t < closes; });
  };
  auto counts = suite.Control(Method::kGet, "/_sim/counts");
  if (!counts.ok()) return counts.status();
  const double rate = in_window(*delivered) / absl::ToDoubleSeconds(window);
  const double limit = per_minute / 60.0;
  std::printf(
      "3. sustained deliveries to Projects while the rate limit binds (%d requests/min = %.2f/s; "
      "%d-write backlog; %.0f s window from %.0f s): %.2f/s = %.3f of the limit; target %s: "
      "%s\n",
      per_minute, limit, backlog, absl::ToDoubleSeconds(window), absl::ToDoubleSeconds(kRateWarmUp),
      rate, rate / limit, kRateShareTarget.Text().c_str(),
      Verdict(kRateShareTarget.MetBy(rate / limit)));
  const std::string what =
      absl::StrFormat("deliveries to Projects while the limit binds (%.0f s window)",
                      absl::ToDoubleSeconds(window));
  Report(absl::StrCat(what, ", per second"), rate, "/s", 2);
  Report(absl::StrCat(what, " / the limit"), rate / limit, "", 3, kRateShareTarget,
         absl::StrFormat("limit %d/min = %.2f/s", per_minute, limit));
  std::string calls;
  for (const auto& [endpoint, count] : (*counts)["counts"].items()) {
    absl::StrAppend(&calls, calls.empty() ? "" : ", ", endpoint, " ", count.get<int>());
  }
  std::printf(
      "   simulator calls so far (any status): %s; updates answered 429 in the window: %ld\n",
      calls.c_str(), static_cast<long>(in_window(*throttled)));
  std::fflush(stdout);
  // Every write of the backlog still arrives, a refused or timed-out one after the outbox's retry
  // backoff, which doubles up to 10 minutes.
  if (auto s = suite.Drained(sync::kOutboxQueue, absl::Minutes(11), "outbox"); !s.ok()) return s;
  for (int n = 0; n < backlog; ++n) {
    if (auto shown = suite.Shows(
            "/_sim/projects/portals/" + suite.portal() + "/tasks/" + suite.tasks()[n].projects_id,
            "name", absl::StrCat("Bench task ", n, " from CRM"), absl::ZeroDuration());
        !shown.ok()) {
      return absl::InternalError(absl::StrCat("after the backlog: ", shown.message()));
    }
  }
  std::printf("   all %d writes arrived, the last %.0f s after the backlog began\n", backlog,
              absl::ToDoubleSeconds(absl::Now() - start));
  return absl::OkStatus();
}

int Fail(absl::string_view what, const absl::Status& status, Suite* suite = nullptr) {
  std::fprintf(stderr, "bench_sync_propagation: %s: %s%s\n", std::string(what).c_str(),
               status.ToString().c_str(), suite == nullptr ? "" : suite->Diagnosis(20).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (absl::string_view(argv[i]) == "--quick") {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
      return 2;
    }
  }
  const int edits = quick ? 200 : 1000;
  // Limit L, window W: the backlog outlasts the first minute's L writes and the window's L*W/60
  // with a reserve, so the limit binds throughout.
  const int per_minute = quick ? 300 : 600;
  const absl::Duration window = quick ? absl::Minutes(1) : absl::Minutes(2);
  const int backlog =
      static_cast<int>(per_minute * (1 + absl::ToDoubleMinutes(window)) + per_minute / 2);
  std::printf("crmsync-sync propagation through zoho-sim%s\n", quick ? " (--quick)" : "");
  std::fflush(stdout);
  {
    crmsync::bench::Progress("starting zoho-sim, crmsync-auth, crmsync-mapping, crmsync-sync");
    auto suite = Suite::Start(kUnlimited);
    if (!suite.ok()) return Fail("starting the services", suite.status());
    if (auto s = (*suite)->LinkTasks(kBurstTasks); !s.ok()) return Fail("linking tasks", s);
    if (auto s = (*suite)->PointProjectsWebhooksAtSync(); !s.ok())
      return Fail("webhook", s, suite->get());
    if (auto s = MeasureLatency(**suite, edits); !s.ok()) return Fail("figure 1", s, suite->get());
    if (auto s = MeasureBurst(**suite); !s.ok()) return Fail("figure 2", s, suite->get());
    (*suite)->ReportMemory(
        absl::StrCat(edits, " edits one at a time, then a burst of ", kBurstChanges, " changes"));
  }
  {
    crmsync::bench::Progress(
        absl::StrFormat("starting a new suite at %d Projects requests a minute", per_minute));
    auto suite = Suite::Start(per_minute);
    if (!suite.ok()) return Fail("starting the services", suite.status());
    if (auto s = (*suite)->LinkTasks(backlog); !s.ok()) return Fail("linking tasks", s);
    if (auto s = MeasureRate(**suite, per_minute, backlog, window); !s.ok()) {
      return Fail("figure 3", s, suite->get());
    }
    (*suite)->ReportMemory(absl::StrCat("a backlog of ", backlog, " writes at ", per_minute,
                                        " Projects requests/min"));
  }
  return 0;
}

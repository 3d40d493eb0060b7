// Zoho's limits under a throttling storm, across two crmsync-sync replicas on one PostgreSQL:
// zoho-sim answers every call 429 (with Retry-After) for a while and then recovers; every queued
// write is still delivered, and the replicas together never exceeded the rate budget, as Zoho
// itself saw it (the simulator's request log and CRM concurrency high-water marks). The backlog
// gauges show the outbox's writes waiting out the storm. Reads spend the same budget: the inbox's
// and the rules' reads of Projects.
#include <algorithm>

#include "tests/services/sync/sync_suite.h"

namespace crmsync::sync {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kProjectsPerMinute = 60;
constexpr int kCrmConcurrentCalls = 2;
constexpr int kTasks = 20;

class RateLimitTest : public SyncIntegrationTest {
 protected:
  // Delivery on, with a budget small enough that the storm's retries would exceed it.
  std::vector<std::string> SyncFlags() const override {
    return {"--delivery_workers=2", "--delivery_poll=50ms", "--backlog_gauge_interval=100ms",
            absl::StrCat("--projects_requests_per_minute=", kProjectsPerMinute),
            absl::StrCat("--crm_max_concurrent_calls=", kCrmConcurrentCalls)};
  }

  void SetUp() override {
    SyncIntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    // A second replica with the same flags, its webhook receivers on a port of their own.
    std::vector<std::string> args;
    for (const std::string& arg : sync_args_) {
      if (!absl::StartsWith(arg, "--webhook_port=")) args.push_back(arg);
    }
    const absl::StatusOr<int> webhook_port = crmsync::testing::FreePort();
    ASSERT_TRUE(webhook_port.ok()) << webhook_port.status();
    args.push_back(absl::StrCat("--webhook_port=", *webhook_port));
    second_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-sync", args);
    ASSERT_NE(second_.channel, nullptr);

    account_ = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "Globex"}}));
    project_ = Control("/_sim/projects/portals/" + portal_ + "/projects",
                       {{"name", "Data Migration"}})["id_string"];
  }

  // A Projects task and a CRM task named `name`, linked.
  void LinkTask(const std::string& name) {
    TaskLink link;
    link.portal_id = portal_;
    link.project_id = project_;
    link.projects_task_id =
        Id(Control("/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks",
                   {{"fields", {{"name", name}}}, {"user_email", kAdmin}})["tasks"][0]);
    link.crm_task_id = Id(
        Control("/_sim/crm/Tasks",
                {{"Subject", name}, {"What_Id", {{"id", account_}}}, {"$se_module", "Accounts"}}));
    link.crm_module = CrmModule::kAccounts;
    link.crm_record_id = account_;
    link.state = LinkState::kActive;
    const absl::Time set = absl::FromUnixSeconds(1750000000);
    auto linked = store_->CreateLink(
        link, {{Field::kTitle, FieldState{name, 1, Side::kProjects, set, "seed", {}}}}, set);
    ASSERT_TRUE(linked.ok()) << linked.status();
    links_.push_back(link);
  }

  // Renames the task in CRM (a write for Projects) and describes it in Projects (a write for
  // CRM), both through SubmitChange.
  void ChangeBothWays(const TaskLink& link, const std::string& title,
                      const std::string& description) {
    v1::TaskChange in_crm = CrmChange(link.crm_task_id, "crm-" + link.crm_task_id);
    in_crm.mutable_fields()->set_title(title);
    v1::ChangeOutcome outcome;
    grpc::Status status = Submit(in_crm, &outcome);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(outcome.result(), v1::OUTCOME_APPLIED) << outcome.DebugString();

    v1::TaskChange in_projects = in_crm;
    in_projects.set_origin_side(common::v1::SIDE_PROJECTS);
    in_projects.set_event_id("projects-" + link.projects_task_id);
    in_projects.set_task_id(link.projects_task_id);
    in_projects.clear_fields();
    in_projects.mutable_fields()->set_description(description);
    *in_projects.mutable_source_modified_time() = TimeUtil::GetCurrentTime();
    status = Submit(in_projects, &outcome);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(outcome.result(), v1::OUTCOME_APPLIED) << outcome.DebugString();
  }

  std::string ProjectsName(const TaskLink& link) {
    auto task = sim_->Control(
        http::Method::kGet, "/_sim/projects/portals/" + portal_ + "/tasks/" + link.projects_task_id,
        nullptr);
    return task.ok() ? (*task)["name"].get<std::string>() : "";
  }
  std::string CrmDescription(const TaskLink& link) {
    auto task = sim_->Control(http::Method::kGet, "/_sim/crm/Tasks/" + link.crm_task_id, nullptr);
    return task.ok() && (*task)["Description"].is_string()
               ? (*task)["Description"].get<std::string>()
               : "";
  }

  // Whether the link's Projects task has `title` and its CRM task `description`, waiting for them
  // (bounded).
  bool Written(const TaskLink& link, const std::string& title, const std::string& description) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      if (ProjectsName(link) == title && CrmDescription(link) == description) return true;
      absl::SleepFor(absl::Milliseconds(50));  // polling the sim, bounded above
    }
    return false;
  }

  // The outbox once nothing in it is pending or running (bounded).
  work_queue::QueueStats OutboxDrained(absl::Duration bound) {
    work_queue::QueueStats stats;
    const absl::Time deadline = absl::Now() + bound;
    while (absl::Now() < deadline) {
      auto read = work_queue::ReadStats(*pool_, kOutboxQueue, absl::Now());
      EXPECT_TRUE(read.ok()) << read.status();
      if (read.ok()) stats = *read;
      if (read.ok() && stats.pending == 0 && stats.running == 0) break;
      absl::SleepFor(absl::Milliseconds(100));  // polling the queue, bounded above
    }
    return stats;
  }

  // How many requests under `path_prefix` the simulator has answered `status`, once there are at
  // least `count` (bounded).
  int Answered(const std::string& path_prefix, int status, int count) {
    int seen = 0;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (seen < count && absl::Now() < deadline) {
      seen = 0;
      for (const auto& request : Requests()) {
        if (absl::StartsWith(request["path"].get<std::string>(), path_prefix) &&
            request["status"].get<int>() == status) {
          ++seen;
        }
      }
      if (seen < count) absl::SleepFor(absl::Milliseconds(50));  // polling the sim, bounded above
    }
    return seen;
  }

  nlohmann::json Requests() {
    auto log = sim_->Control(http::Method::kGet, "/_sim/requests", nullptr);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? (*log)["requests"] : nlohmann::json::array();
  }

  // The most Projects requests of one access token that reached the simulator within any
  // `window`.
  int MostProjectsCallsWithin(absl::Duration window) {
    std::map<std::string, std::vector<int64_t>> arrivals;  // by token alias
    for (const auto& request : Requests()) {
      if (absl::StartsWith(request["path"].get<std::string>(), "/restapi/")) {
        arrivals[request["token"].get<std::string>()].push_back(
            request["arrived_us"].get<int64_t>());
      }
    }
    size_t most = 0;
    for (auto& [token, times] : arrivals) {
      std::sort(times.begin(), times.end());
      size_t first = 0;
      for (size_t last = 0; last < times.size(); ++last) {
        while (times[last] - times[first] >= absl::ToInt64Microseconds(window)) ++first;
        most = std::max(most, last - first + 1);
      }
    }
    return static_cast<int>(most);
  }

  // The most CRM requests of one access token the simulator was answering at once.
  int MostCrmCallsAtOnce() {
    auto concurrency = sim_->Control(http::Method::kGet, "/_sim/concurrency", nullptr);
    EXPECT_TRUE(concurrency.ok()) << concurrency.status();
    int most = 0;
    if (!concurrency.ok()) return most;
    for (const auto& [token, calls] : (*concurrency)["crm"].items()) {
      most = std::max(most, calls["high_water"].get<int>());
    }
    return most;
  }

  crmsync::testing::ServingBinary second_;
  std::string account_;
  std::vector<TaskLink> links_;
};

TEST_F(RateLimitTest, AThrottlingStormDrainsWithinTheBudgetTheReplicasShare) {
  RegisterGrant(common::v1::SIDE_PROJECTS, {"ZohoProjects.tasks.ALL"});
  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.tasks.ALL", "ZohoCRM.modules.notes.ALL"});
  LinkTask("Warm up");
  if (HasFatalFailure()) return;
  // Both sides written once before the storm, so auth has minted the tokens delivery writes with.
  ChangeBothWays(links_[0], "Warm up (renamed in CRM)", "Described in Projects, 0");
  if (HasFatalFailure()) return;
  EXPECT_TRUE(Written(links_[0], "Warm up (renamed in CRM)", "Described in Projects, 0"));

  // The storm: every Zoho call is answered 429 until the test ends it.
  Control("/_sim/faults",
          {{"error_429_share", 1.0}, {"retry_after_seconds", 1}, {"duration_seconds", 600}});
  for (int i = 1; i <= kTasks; ++i) {
    LinkTask(absl::StrCat("Task ", i));
    if (HasFatalFailure()) return;
    ChangeBothWays(links_.back(), absl::StrCat("Task ", i, " (renamed in CRM)"),
                   absl::StrCat("Described in Projects, ", i));
    if (HasFatalFailure()) return;
  }
  // Nothing gets through: the gauges show every write waiting on each side.
  EXPECT_TRUE(
      MetricsShow(absl::StrCat("crmsync_sync_outbox_depth{target=\"projects\"} ", kTasks, "\n")));
  EXPECT_TRUE(
      MetricsShow(absl::StrCat("crmsync_sync_outbox_depth{target=\"crm\"} ", kTasks, "\n")));
  EXPECT_THAT(SyncMetrics(),
              Not(HasSubstr("crmsync_sync_outbox_oldest_age_seconds{target=\"projects\"} 0\n")));
  // The storm lasts until the writes were refused more often than the budget leaves room for
  // beside them.
  EXPECT_GE(Answered("/restapi/", 429, 5 * kTasks / 2), 5 * kTasks / 2);
  EXPECT_GE(Answered("/crm/v2/", 429, 2 * kTasks), 2 * kTasks);
  // Zoho recovers, its CRM answering slowly enough for calls to overlap.
  Control("/_sim/faults",
          {{"latency_ms", 200}, {"path_prefix", "/crm/"}, {"duration_seconds", 600}});

  const work_queue::QueueStats outbox = OutboxDrained(absl::Seconds(120));
  EXPECT_EQ(outbox.pending + outbox.running + outbox.dead, 0) << QueueErrors(kOutboxQueue);
  for (int i = 1; i <= kTasks; ++i) {
    EXPECT_EQ(ProjectsName(links_[i]), absl::StrCat("Task ", i, " (renamed in CRM)"));
    EXPECT_EQ(CrmDescription(links_[i]), absl::StrCat("Described in Projects, ", i));
  }
  EXPECT_TRUE(MetricsShow("crmsync_sync_outbox_depth{target=\"projects\"} 0\n"));
  EXPECT_TRUE(MetricsShow("crmsync_sync_outbox_depth{target=\"crm\"} 0\n"));
  EXPECT_TRUE(MetricsShow("crmsync_sync_outbox_oldest_age_seconds{target=\"crm\"} 0\n"));

  // As Zoho saw it. The budget counts a request from when its replica took the permit; it reaches
  // the simulator a moment later, so a window a second shorter than the minute allows for that.
  EXPECT_LE(MostProjectsCallsWithin(absl::Seconds(59)), kProjectsPerMinute);
  EXPECT_LE(MostCrmCallsAtOnce(), kCrmConcurrentCalls);
  EXPECT_GT(MostProjectsCallsWithin(absl::Seconds(59)), 0);
}

// sync's reads take permits of the same budget: with room for two Projects requests a minute,
// the inbox's read of a task a webhook names and a rule's read of a project's schedule spend it,
// and the next rule's read is not sent (the change is UNAVAILABLE, to be retried) nor the next
// webhook's (it waits in the inbox). The gauges show the waiting webhook and the writes queued.
class ReadBudgetTest : public SyncIntegrationTest {
 protected:
  std::vector<std::string> SyncFlags() const override {
    return {"--delivery_workers=0", "--projects_requests_per_minute=2", "--zoho_timeout=400ms",
            "--backlog_gauge_interval=100ms"};
  }

  int ProjectsRequests() {
    auto log = sim_->Control(http::Method::kGet, "/_sim/requests", nullptr);
    EXPECT_TRUE(log.ok()) << log.status();
    int count = 0;
    if (!log.ok()) return count;
    for (const auto& request : (*log)["requests"]) {
      if (absl::StartsWith(request["path"].get<std::string>(), "/restapi/")) ++count;
    }
    return count;
  }

  // The last error of the inbox's pending webhook, once it has failed (bounded).
  std::string InboxErrorOnceFailed() {
    pqxx::connection connection(database_->url());
    pqxx::nontransaction tx(connection);
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      const pqxx::result items = tx.exec(
          "SELECT last_error FROM sync.work_items WHERE queue = 'sync_inbox' AND state = "
          "'PENDING' AND last_error <> ''");
      if (!items.empty()) return items[0]["last_error"].as<std::string>();
      absl::SleepFor(absl::Milliseconds(50));  // polling the queue, bounded above
    }
    return "";
  }

  v1::TaskChange DueIn(const std::string& event_id, int day) {
    v1::TaskChange change = CrmChange("6000000012345", event_id);
    *change.mutable_fields()->mutable_end_date() = ToProtoDate(absl::CivilDay(2025, 6, day));
    return change;
  }
};

TEST_F(ReadBudgetTest, TheInboxsAndTheRulesReadsSpendTheProjectsBudget) {
  LinkedTasksWithProjectsWebhooks();
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"name", "Migrate data (phase 2)"}}}});
  EXPECT_EQ(
      TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate data (phase 2)").value().text(),
      "Migrate data (phase 2)");
  v1::ChangeOutcome outcome;
  grpc::Status status = Submit(DueIn("due-25", 25), &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(ProjectsRequests(), 2);

  status = Submit(DueIn("due-26", 26), &outcome);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"name", "Migrate data (phase 3)"}}}});
  EXPECT_THAT(InboxErrorOnceFailed(), HasSubstr("rate budget"));
  EXPECT_TRUE(MetricsShow("crmsync_sync_inbox_backlog{side=\"projects\"} 1\n"));
  EXPECT_EQ(ProjectsRequests(), 2);
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate data (phase 2)").version(),
            2);
  // The applied edit and end date wait in the outbox, one write for each side.
  EXPECT_TRUE(MetricsShow("crmsync_sync_outbox_depth{target=\"crm\"} 1\n"));
  EXPECT_TRUE(MetricsShow("crmsync_sync_outbox_depth{target=\"projects\"} 1\n"));
  EXPECT_TRUE(MetricsShow("crmsync_sync_inbox_backlog{side=\"crm\"} 0\n"));
}

}  // namespace
}  // namespace crmsync::sync

// Reconciliation end to end: people's edits and deletions made in the simulator while no webhook
// reaches sync (no Projects webhook configured, no CRM watch channel) are caught up by the
// periodic passes, delivered to the other side, and counted; the passes that follow find nothing
// new.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "services/sync/store/reconcile_store.h"
#include "tests/services/sync/sync_suite.h"

namespace crmsync::sync {
namespace {

constexpr char kAna[] = "ana@example.com";

// One task linked on both sides, with the same six values in Projects, in CRM and as canonical.
struct LinkedPair {
  std::string projects_task_id;
  std::string crm_task_id;
};

class ReconcileTest : public SyncIntegrationTest {
 protected:
  std::vector<std::string> SyncFlags() const override {
    return {"--reconcile_interval=500ms", "--delivery_workers=1", "--delivery_poll=50ms"};
  }

  void SetUp() override {
    SyncIntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    RegisterGrant(common::v1::SIDE_CRM,
                  {"ZohoCRM.modules.tasks.READ", "ZohoCRM.modules.tasks.ALL",
                   "ZohoCRM.modules.notes.ALL", "ZohoCRM.modules.notes.READ", "ZohoCRM.users.READ",
                   "ZohoCRM.modules.accounts.READ", "ZohoCRM.modules.deals.READ"});
    std::vector<std::string> projects_scopes = kProjectsScopes;
    projects_scopes.push_back("ZohoProjects.tasks.ALL");
    RegisterGrant(common::v1::SIDE_PROJECTS, projects_scopes);
    const std::string users = "/_sim/projects/portals/" + portal_ + "/users";
    projects_admin_ = Id(Control(users, {{"name", "Admin"}, {"email", kAdmin}}));
    projects_ana_ = Id(Control(users, {{"name", "Ana Lima"}, {"email", kAna}}));
    crm_admin_ = Control("/_sim/crm/users", {{"email", kAdmin}, {"full_name", "Admin"}})["id"];
    crm_ana_ = Control("/_sim/crm/users", {{"email", kAna}, {"full_name", "Ana Lima"}})["id"];
    ASSERT_NO_FATAL_FAILURE(ImportDirectory(
        {mapping::v1::DIRECTORY_PART_PROJECTS_USERS, mapping::v1::DIRECTORY_PART_CRM_USERS}));
    account_ = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "Globex"}}));
    project_ = Control("/_sim/projects/portals/" + portal_ + "/projects",
                       {{"name", "Onboarding"}})["id_string"];
    main_ = Link("Call the customer", "");
    subtask_pair_ = Link("Prepare the agenda", main_.projects_task_id);
    other_ = Link("Send the minutes", "");
    // Both sides read once: what follows is found through the cursors.
    EXPECT_TRUE(MetricReaches(Passes(common::v1::SIDE_CRM), 1));
    EXPECT_TRUE(MetricReaches(Passes(common::v1::SIDE_PROJECTS), 1));
  }

  // Creates the task on both sides as a person would (no webhook fires for sync) and links them,
  // with the canonical values both sides show.
  LinkedPair Link(const std::string& title, const std::string& projects_parent) {
    LinkedPair pair;
    nlohmann::json task = {{"user_email", kAdmin},
                           {"fields",
                            {{"name", title},
                             {"description", "As agreed"},
                             {"end_date", "06-20-2025"},
                             {"priority", "medium"},
                             {"person_responsible", projects_admin_}}}};
    if (!projects_parent.empty()) task["parent_task_id"] = projects_parent;
    pair.projects_task_id =
        Id(Control("/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks",
                   task)["tasks"][0]);
    pair.crm_task_id = Id(Control("/_sim/crm/Tasks", {{"Subject", title},
                                                      {"Description", "As agreed"},
                                                      {"Due_Date", "2025-06-20"},
                                                      {"Priority", "Normal"},
                                                      {"Status", "Not Started"},
                                                      {"Owner", {{"id", crm_admin_}}},
                                                      {"What_Id", {{"id", account_}}},
                                                      {"$se_module", "Accounts"}}));
    TaskLink link;
    link.portal_id = portal_;
    link.project_id = project_;
    link.projects_task_id = pair.projects_task_id;
    link.crm_task_id = pair.crm_task_id;
    link.crm_module = CrmModule::kAccounts;
    link.crm_record_id = account_;
    link.projects_parent_task_id = projects_parent;
    link.state = LinkState::kActive;
    const absl::Time set = absl::FromUnixSeconds(1750000000);
    auto state = [&](FieldValue value) {
      return FieldState{std::move(value), 1, Side::kProjects, set, "seed", {}};
    };
    const CanonicalTask canonical = {
        {Field::kTitle, state(title)},
        {Field::kDescription, state(std::string("As agreed"))},
        {Field::kEndDate, state(EndDate(absl::CivilDay(2025, 6, 20)))},
        {Field::kPriority, state(Priority::kMedium)},
        {Field::kStatus, state(TaskStatus::kOpen)},
        {Field::kOwner, state(Owner{kAdmin, crm_admin_, projects_admin_, "Admin"})}};
    auto linked = store_->CreateLink(link, canonical, set);
    EXPECT_TRUE(linked.ok()) << linked.status();
    return pair;
  }

  static std::string Passes(common::v1::Side side) {
    return absl::StrCat("crmsync_sync_reconcile_passes_total{result=\"ok\",side=\"",
                        side == common::v1::SIDE_CRM ? "crm" : "projects", "\"}");
  }
  static std::string Repairs(common::v1::Side side, const std::string& kind) {
    return absl::StrCat("crmsync_sync_reconcile_repairs_total{kind=\"", kind, "\",side=\"",
                        side == common::v1::SIDE_CRM ? "crm" : "projects", "\"}");
  }

  // The value of the series `series` on sync's /metrics; 0 when it is not there.
  double Metric(const std::string& series) {
    for (absl::string_view line : absl::StrSplit(SyncMetrics(), '\n')) {
      if (!absl::ConsumePrefix(&line, series + " ")) continue;
      double value = 0;
      if (absl::SimpleAtod(line, &value)) return value;
    }
    return 0;
  }

  // Whether `series` reaches `at_least`, waiting for it (bounded).
  bool MetricReaches(const std::string& series, double at_least) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      if (Metric(series) >= at_least) return true;
      absl::SleepFor(absl::Milliseconds(100));  // polling the metrics, bounded above
    }
    return false;
  }

  // Two more passes of each side, so that whatever they would submit has been.
  void TwoMorePasses() {
    const double crm = Metric(Passes(common::v1::SIDE_CRM));
    const double projects = Metric(Passes(common::v1::SIDE_PROJECTS));
    EXPECT_TRUE(MetricReaches(Passes(common::v1::SIDE_CRM), crm + 2));
    EXPECT_TRUE(MetricReaches(Passes(common::v1::SIDE_PROJECTS), projects + 2));
  }

  // A record the simulator's control API shows (`path`), once `done` holds for it (bounded).
  nlohmann::json SimRecordOnce(const std::string& path,
                               const std::function<bool(const nlohmann::json&)>& done) {
    nlohmann::json record;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      auto read = sim_->Control(http::Method::kGet, path, nullptr);
      if (read.ok()) {
        record = *read;
        if (done(record)) break;
      }
      absl::SleepFor(absl::Milliseconds(50));  // polling the simulator, bounded above
    }
    return record;
  }

  // Expects `state` to show the edit both tests make to the title, description, end date and
  // priority.
  static void ExpectEdited(const v1::TaskSyncState& state) {
    EXPECT_EQ(FieldOf(state, v1::TASK_FIELD_TITLE).value().text(), "Call the customer back");
    EXPECT_EQ(FieldOf(state, v1::TASK_FIELD_DESCRIPTION).value().text(), "About the invoice");
    const common::v1::Date& end = FieldOf(state, v1::TASK_FIELD_END_DATE).value().date();
    EXPECT_EQ(absl::StrCat(end.year(), "-", end.month(), "-", end.day()), "2025-7-1");
    EXPECT_EQ(FieldOf(state, v1::TASK_FIELD_PRIORITY).value().priority(),
              common::v1::PRIORITY_HIGH);
  }

  std::string projects_admin_, projects_ana_, crm_admin_, crm_ana_, account_;
  LinkedPair main_, subtask_pair_, other_;
};

// Every field edited in Projects with no webhook to tell sync: the next pass applies the edit,
// delivery writes it to CRM, and the passes after it (which read the edit again within their
// overlap, and CRM's write coming back) change nothing more.
TEST_F(ReconcileTest, AnEditInProjectsWithoutAWebhookIsRepairedOnceAndReachesCrm) {
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + main_.projects_task_id + "/edit",
          {{"user_email", kAdmin},
           {"fields",
            {{"name", "Call the customer back"},
             {"description", "About the invoice"},
             {"end_date", "07-01-2025"},
             {"priority", "high"},
             {"custom_status", statuses_.at("Closed")},
             {"person_responsible", projects_ana_}}}});

  const v1::TaskSyncState state =
      StateOnce(common::v1::SIDE_PROJECTS, main_.projects_task_id, [](const auto& s) {
        for (const v1::FieldState& field : s.fields()) {
          if (field.version() != 2) return false;
        }
        return s.fields_size() == 6;
      });
  ExpectEdited(state);
  EXPECT_EQ(FieldOf(state, v1::TASK_FIELD_STATUS).value().status(), common::v1::TASK_STATUS_CLOSED);
  EXPECT_EQ(FieldOf(state, v1::TASK_FIELD_OWNER).value().owner().crm_user_id(), crm_ana_);
  for (const v1::FieldState& field : state.fields()) {
    EXPECT_EQ(field.version(), 2) << v1::TaskField_Name(field.field());
    EXPECT_EQ(field.source_side(), common::v1::SIDE_PROJECTS) << v1::TaskField_Name(field.field());
  }

  const nlohmann::json crm =
      SimRecordOnce("/_sim/crm/Tasks/" + main_.crm_task_id, [](const nlohmann::json& task) {
        return task.value("Subject", "") == "Call the customer back";
      });
  EXPECT_EQ(crm.value("Subject", ""), "Call the customer back");
  EXPECT_EQ(crm.value("Description", ""), "About the invoice");
  EXPECT_EQ(crm.value("Due_Date", ""), "2025-07-01");
  EXPECT_EQ(crm.value("Priority", ""), "High");
  EXPECT_EQ(crm.value("Status", ""), "Completed");
  EXPECT_EQ(crm["Owner"].value("id", ""), crm_ana_);

  TwoMorePasses();
  EXPECT_EQ(Metric(Repairs(common::v1::SIDE_PROJECTS, "change")), 1);
  EXPECT_EQ(Metric(Repairs(common::v1::SIDE_CRM, "change")), 0);
  EXPECT_EQ(Metric("crmsync_sync_changes_total{origin=\"projects\",outcome=\"applied\"}"), 1);
  EXPECT_EQ(FieldOf(StateOnce(common::v1::SIDE_PROJECTS, main_.projects_task_id,
                              [](const auto&) { return true; }),
                    v1::TASK_FIELD_TITLE)
                .version(),
            2);
}

// Every field but the status edited in CRM with no watch channel: the next pass applies the
// edit and delivery writes it to Projects, once. Delivery does not write the status to Projects,
// so a status from CRM would be taken back by Projects' next version of the task; the status
// from CRM is the subtask's below.
TEST_F(ReconcileTest, AnEditInCrmWithoutAWatchChannelIsRepairedOnceAndReachesProjects) {
  Control("/_sim/crm/Tasks/" + main_.crm_task_id + "/edit",
          {{"user_email", kAdmin},
           {"fields",
            {{"Subject", "Call the customer back"},
             {"Description", "About the invoice"},
             {"Due_Date", "2025-07-01"},
             {"Priority", "High"},
             {"Owner", {{"id", crm_ana_}}}}}});

  const v1::TaskSyncState state =
      StateOnce(common::v1::SIDE_CRM, main_.crm_task_id, [](const auto& s) {
        for (const v1::FieldState& field : s.fields()) {
          if (field.field() != v1::TASK_FIELD_STATUS && field.version() != 2) return false;
        }
        return s.fields_size() == 6;
      });
  ExpectEdited(state);
  EXPECT_EQ(FieldOf(state, v1::TASK_FIELD_OWNER).value().owner().projects_user_id(), projects_ana_);
  for (const v1::FieldState& field : state.fields()) {
    if (field.field() == v1::TASK_FIELD_STATUS) continue;
    EXPECT_EQ(field.version(), 2) << v1::TaskField_Name(field.field());
    EXPECT_EQ(field.source_side(), common::v1::SIDE_CRM) << v1::TaskField_Name(field.field());
  }

  const nlohmann::json projects =
      SimRecordOnce("/_sim/projects/portals/" + portal_ + "/tasks/" + main_.projects_task_id,
                    [](const nlohmann::json& task) {
                      return task.value("name", "") == "Call the customer back";
                    });
  EXPECT_EQ(projects.value("name", ""), "Call the customer back");
  EXPECT_EQ(projects.value("description", ""), "About the invoice");
  EXPECT_EQ(projects.value("end_date", ""), "07-01-2025");
  EXPECT_EQ(projects.value("priority", ""), "High");
  ASSERT_EQ(projects["details"]["owners"].size(), 1u);
  EXPECT_EQ(Id(projects["details"]["owners"][0]), projects_ana_);

  // The subtask is closed in CRM: its parent is open in Projects, so the rules let it through.
  Control("/_sim/crm/Tasks/" + subtask_pair_.crm_task_id + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"Status", "Completed"}}}});
  const v1::FieldState status = FieldOf(
      StateOnce(common::v1::SIDE_CRM, subtask_pair_.crm_task_id,
                [](const auto& s) { return FieldOf(s, v1::TASK_FIELD_STATUS).version() == 2; }),
      v1::TASK_FIELD_STATUS);
  EXPECT_EQ(status.value().status(), common::v1::TASK_STATUS_CLOSED);
  EXPECT_EQ(status.source_side(), common::v1::SIDE_CRM);

  TwoMorePasses();
  EXPECT_EQ(Metric(Repairs(common::v1::SIDE_CRM, "change")), 2);
  EXPECT_EQ(Metric("crmsync_sync_changes_total{origin=\"crm\",outcome=\"applied\"}"), 2);
}

// A task deleted in CRM (read from CRM's deleted tasks), a main task deleted in Projects (gone
// from its project's list, and confirmed gone by id) and a subtask deleted in Projects (read by
// id) each mark their link, once.
TEST_F(ReconcileTest, TasksDeletedOnEitherSideMarkTheirLinks) {
  Control("/_sim/crm/Tasks/" + main_.crm_task_id + "/delete", {{"user_email", kAdmin}});
  const std::string tasks = "/_sim/projects/portals/" + portal_ + "/tasks/";
  Control(tasks + other_.projects_task_id + "/delete", nlohmann::json::object());
  Control(tasks + subtask_pair_.projects_task_id + "/delete", nlohmann::json::object());

  auto in = [](v1::LinkState expected) {
    return [expected](const v1::TaskSyncState& s) { return s.link().state() == expected; };
  };
  EXPECT_EQ(StateOnce(common::v1::SIDE_CRM, main_.crm_task_id, in(v1::LINK_STATE_DELETED_IN_CRM))
                .link()
                .state(),
            v1::LINK_STATE_DELETED_IN_CRM);
  EXPECT_EQ(StateOnce(common::v1::SIDE_PROJECTS, other_.projects_task_id,
                      in(v1::LINK_STATE_DELETED_IN_PROJECTS))
                .link()
                .state(),
            v1::LINK_STATE_DELETED_IN_PROJECTS);
  EXPECT_EQ(StateOnce(common::v1::SIDE_PROJECTS, subtask_pair_.projects_task_id,
                      in(v1::LINK_STATE_DELETED_IN_PROJECTS))
                .link()
                .state(),
            v1::LINK_STATE_DELETED_IN_PROJECTS);

  // No live link is left, so the portal's passes stop once the last one is done.
  work_queue::QueueStats passes;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    auto read = work_queue::ReadStats(*pool_, kReconcileQueue, absl::Now());
    ASSERT_TRUE(read.ok()) << read.status();
    passes = *read;
    if (passes.pending + passes.running == 0) break;
    absl::SleepFor(absl::Milliseconds(50));  // polling the queue, bounded above
  }
  EXPECT_EQ(passes.pending + passes.running + passes.dead, 0);
  EXPECT_EQ(Metric(Repairs(common::v1::SIDE_CRM, "deletion")), 1);
  EXPECT_EQ(Metric(Repairs(common::v1::SIDE_PROJECTS, "deletion")), 2);
}

}  // namespace
}  // namespace crmsync::sync

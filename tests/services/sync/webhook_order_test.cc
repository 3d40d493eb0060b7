// Webhooks that Zoho delivers more than once, out of order, or about tasks crmsync does not sync,
// end to end through the crmsync-sync binary, with zoho-sim's CRM watch channel and Projects
// webhook pointed at its receivers. A repeated delivery changes nothing (its event id is the
// record's id and modified time, read back from Zoho); of two edits of one field, the one Zoho
// made later wins whatever order their webhooks come in, and two CRM edits within one of CRM's
// whole-second modified times are both applied; a webhook about an unlinked task completes
// without a change and without retries.
#include "tests/services/sync/sync_suite.h"

namespace crmsync::sync {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class WebhookOrderTest : public SyncIntegrationTest {
 protected:
  void SetUp() override {
    SyncIntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
    RegisterGrant(common::v1::SIDE_CRM,
                  {"ZohoCRM.modules.accounts.READ", "ZohoCRM.modules.deals.READ",
                   "ZohoCRM.users.READ", "ZohoCRM.modules.tasks.READ"});
    // The tasks' owner (the admin on both sides) is linked by email, so CRM's changes translate.
    Control("/_sim/projects/portals/" + portal_ + "/users",
            {{"name", "Ana Lima"}, {"email", kAdmin}});
    mapping::v1::ImportDirectoryRequest import;
    import.set_portal_id(portal_);
    import.add_parts(mapping::v1::DIRECTORY_PART_PROJECTS_USERS);
    import.add_parts(mapping::v1::DIRECTORY_PART_CRM_USERS);
    mapping::v1::ImportDirectoryResponse imported;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    ASSERT_TRUE(mapping_stub_->ImportDirectory(&context, import, &imported).ok());
    project_ = Control("/_sim/projects/portals/" + portal_ + "/projects",
                       {{"name", "Onboarding"}})["id_string"];
  }

  struct Pair {
    std::string crm_task, projects_task;
  };

  // A CRM task and a Projects task titled `title` in both Zohos; linked unless `linked` is false.
  Pair Tasks(const std::string& title, bool linked = true) {
    Pair pair;
    pair.crm_task = Id(Control("/_sim/crm/Tasks", {{"Subject", title}}));
    pair.projects_task =
        Id(Control("/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks",
                   {{"fields", {{"name", title}}}, {"user_email", kAdmin}})["tasks"][0]);
    if (!linked) return pair;
    TaskLink link;
    link.portal_id = portal_;
    link.project_id = project_;
    link.projects_task_id = pair.projects_task;
    link.crm_task_id = pair.crm_task;
    link.crm_module = CrmModule::kAccounts;
    link.crm_record_id = "6000000000077";
    link.state = LinkState::kActive;
    const absl::Time set = absl::FromUnixSeconds(1750000000);
    auto created = store_->CreateLink(
        link, {{Field::kTitle, FieldState{title, 1, Side::kProjects, set, "seed", {}}}}, set);
    EXPECT_TRUE(created.ok()) << created.status();
    return pair;
  }

  // Zoho's webhooks go to a path of sync's port that has no receiver, where they are answered
  // 404 and stored by nobody: the simulator's delivery log keeps them for the test to deliver in
  // the order it chooses.
  void HoldWebhooks() {
    WatchCrm("/held/crm");
    Control("/_sim/projects/portals/" + portal_ + "/webhook",
            {{"url", webhook_base_ + "/held/projects"},
             {"secret_param", "crmsync_secret"},
             {"secret", IssueWebhookSecret(common::v1::SIDE_PROJECTS)}});
  }

  // The simulator's deliveries to URLs containing `url_part`, oldest first, once there are
  // `count` (bounded).
  std::vector<nlohmann::json> Deliveries(const std::string& url_part, size_t count) {
    std::vector<nlohmann::json> found;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (found.size() < count && absl::Now() < deadline) {
      found.clear();
      auto log = sim_->Control(http::Method::kGet, "/_sim/webhooks", nullptr);
      EXPECT_TRUE(log.ok()) << log.status();
      if (!log.ok()) break;
      for (const auto& delivery : (*log)["deliveries"]) {
        if (absl::StrContains(delivery["url"].get<std::string>(), url_part)) {
          found.push_back(delivery);
        }
      }
      if (found.size() < count) {
        absl::SleepFor(absl::Milliseconds(50));  // polling the delivery log, bounded above
      }
    }
    EXPECT_THAT(found, SizeIs(count)) << url_part;
    return found;
  }

  // POSTs what Zoho delivered (`delivery`, from the simulator's log) to sync's receiver of
  // `side`, as Zoho redelivering it would; expects it stored.
  void Redeliver(common::v1::Side side, const nlohmann::json& delivery) {
    const std::string path = side == common::v1::SIDE_CRM ? "/webhooks/crm?portal_id=" + portal_
                                                          : std::string("/webhooks/projects");
    EXPECT_EQ(PostWebhook(path, delivery["content_type"], delivery["body"]), 200);
  }

  void EditTitle(common::v1::Side side, const std::string& task_id, const std::string& title) {
    if (side == common::v1::SIDE_CRM) {
      Control("/_sim/crm/Tasks/" + task_id + "/edit",
              {{"user_email", kAdmin}, {"fields", {{"Subject", title}}}});
    } else {
      Control("/_sim/projects/portals/" + portal_ + "/tasks/" + task_id + "/edit",
              {{"user_email", kAdmin}, {"fields", {{"name", title}}}});
    }
  }

  // Moves Zoho's clock on, so that the next edit is later than the last by CRM's Modified_Time,
  // which counts whole seconds.
  void NextSecond() { Control("/_sim/clock/advance", {{"seconds", 2}}); }

  // Moves Zoho's clock to just after the start of a second, so that what happens in the next
  // few hundred milliseconds shares CRM's Modified_Time.
  void StartOfASecond() {
    const nlohmann::json now = Control("/_sim/clock/advance", {{"seconds", 0}});
    absl::Time time;
    std::string error;
    ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, now["now"].get<std::string>(), &time, &error))
        << error;
    const absl::Duration into = time - absl::FromUnixSeconds(absl::ToUnixSeconds(time));
    Control("/_sim/clock/advance", {{"seconds", absl::ToDoubleSeconds(absl::Seconds(1) - into)}});
  }

  std::string CrmModifiedTime(const std::string& crm_task) {
    auto task = sim_->Control(http::Method::kGet, "/_sim/crm/Tasks/" + crm_task, nullptr);
    EXPECT_TRUE(task.ok()) << task.status();
    return task.ok() ? (*task)["Modified_Time"].get<std::string>() : "";
  }

  // Whether sync has counted `count` changes or comments (`family`) from `origin` with `outcome`
  // (bounded).
  bool Counted(const std::string& family, const std::string& origin, const std::string& outcome,
               int count) {
    return MetricsShow(absl::StrCat("crmsync_sync_", family, "_total{origin=\"", origin,
                                    "\",outcome=\"", outcome, "\"} ", count, "\n"));
  }

  // The inbox once drained: every stored request done, none retried or given up.
  void InboxDoneAtFirstAttempt() {
    const work_queue::QueueStats inbox = InboxDrained();
    EXPECT_EQ(inbox.pending + inbox.running + inbox.dead, 0) << QueueErrors(kInboxQueue);
    pqxx::connection connection(database_->url());
    pqxx::nontransaction tx(connection);
    const pqxx::row retried = tx.exec1(
        "SELECT count(*) AS items, count(*) FILTER (WHERE attempts > 1) AS retried "
        "FROM sync.work_items WHERE queue = 'sync_inbox'");
    EXPECT_GT(retried["items"].as<int>(), 0);
    EXPECT_EQ(retried["retried"].as<int>(), 0) << QueueErrors(kInboxQueue);
  }

  // How many writes of `kind` the outbox holds.
  int QueuedWrites(OutboxKind kind) {
    pqxx::connection connection(database_->url());
    pqxx::nontransaction tx(connection);
    int writes = 0;
    for (const auto& item :
         tx.exec("SELECT payload FROM sync.work_items WHERE queue = 'sync_outbox'")) {
      auto write = DecodeOutboxWrite(item["payload"].as<std::string>());
      EXPECT_TRUE(write.ok()) << write.status();
      if (write.ok() && write->kind == kind) ++writes;
    }
    return writes;
  }

  // The task's canonical title as GetTaskSyncState shows it now.
  v1::FieldState Title(common::v1::Side side, const std::string& task_id) {
    v1::GetTaskSyncStateRequest request;
    request.set_portal_id(portal_);
    request.mutable_task()->set_side(side);
    request.mutable_task()->set_task_id(task_id);
    v1::GetTaskSyncStateResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub_->GetTaskSyncState(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& field : response.state().fields()) {
      if (field.field() == v1::TASK_FIELD_TITLE) return field;
    }
    return v1::FieldState();
  }
};

// Zoho delivers each webhook twice, and one is delivered a third time by hand: a person's edit
// in CRM is applied once (one new version) and a comment in Projects copied once; every other
// delivery is a DUPLICATE.
TEST_F(WebhookOrderTest, DuplicatedDeliveriesApplyAnEditAndCopyACommentOnce) {
  const Pair task = Tasks("Call the customer");
  WatchCrm("/webhooks/crm");
  PointProjectsWebhooksAtSync();
  Control("/_sim/faults", {{"webhook_duplicate_share", 1.0}});

  EditTitle(common::v1::SIDE_CRM, task.crm_task, "Call the customer back");
  const std::vector<nlohmann::json> crm = Deliveries("/webhooks/crm", 2);
  ASSERT_THAT(crm, SizeIs(2));
  Redeliver(common::v1::SIDE_CRM, crm[0]);
  EXPECT_TRUE(Counted("changes", "crm", "duplicate", 2));
  EXPECT_TRUE(Counted("changes", "crm", "applied", 1));
  const v1::FieldState title = Title(common::v1::SIDE_CRM, task.crm_task);
  EXPECT_EQ(title.value().text(), "Call the customer back");
  EXPECT_EQ(title.source_side(), common::v1::SIDE_CRM);
  EXPECT_EQ(title.version(), 2);

  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + task.projects_task + "/comments",
          {{"user_email", kAdmin}, {"content", "Left a voicemail"}});
  const std::vector<nlohmann::json> projects = Deliveries("/webhooks/projects", 2);
  ASSERT_THAT(projects, SizeIs(2));
  Redeliver(common::v1::SIDE_PROJECTS, projects[1]);
  EXPECT_TRUE(Counted("comments", "projects", "duplicate", 2));
  EXPECT_TRUE(Counted("comments", "projects", "applied", 1));

  InboxDoneAtFirstAttempt();
  EXPECT_EQ(QueuedWrites(OutboxKind::kAddComment), 1);
  EXPECT_EQ(QueuedWrites(OutboxKind::kUpdateTask), 1);
  pqxx::connection connection(database_->url());
  pqxx::nontransaction tx(connection);
  EXPECT_EQ(tx.exec1("SELECT count(*) AS copies FROM sync.comment_copies")["copies"].as<int>(), 1);
  EXPECT_EQ(tx.exec1("SELECT count(*) AS changes FROM sync.change_log")["changes"].as<int>(), 1);
  const std::string metrics = SyncMetrics();
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_webhook_requests_total{side=\"crm\",status=\"200\"} 3"));
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_webhook_requests_total{side=\"projects\",status=\"200\"} 3"));
  EXPECT_EQ(Title(common::v1::SIDE_CRM, task.crm_task).version(), 2);
}

// Two edits of one title, the first in Projects and the second in CRM, whose webhooks sync
// receives in either order: the canonical title is CRM's, the later edit. Received first, the
// older edit is applied and then overwritten; received last, its title is STALE.
TEST_F(WebhookOrderTest, OfTwoEditsTheLaterWinsWhicheverWebhookComesFirst) {
  const Pair in_order = Tasks("Migrate data");
  const Pair reversed = Tasks("Move invoices");
  HoldWebhooks();
  EditTitle(common::v1::SIDE_PROJECTS, in_order.projects_task, "Migrate data (Projects)");
  EditTitle(common::v1::SIDE_PROJECTS, reversed.projects_task, "Move invoices (Projects)");
  NextSecond();
  EditTitle(common::v1::SIDE_CRM, in_order.crm_task, "Migrate data (CRM)");
  EditTitle(common::v1::SIDE_CRM, reversed.crm_task, "Move invoices (CRM)");
  const std::vector<nlohmann::json> projects = Deliveries("/held/projects", 2);
  const std::vector<nlohmann::json> crm = Deliveries("/held/crm", 2);
  ASSERT_THAT(projects, SizeIs(2));
  ASSERT_THAT(crm, SizeIs(2));

  Redeliver(common::v1::SIDE_PROJECTS, projects[0]);
  EXPECT_TRUE(Counted("changes", "projects", "applied", 1));
  Redeliver(common::v1::SIDE_CRM, crm[0]);
  EXPECT_TRUE(Counted("changes", "crm", "applied", 1));
  v1::FieldState title = Title(common::v1::SIDE_PROJECTS, in_order.projects_task);
  EXPECT_EQ(title.value().text(), "Migrate data (CRM)");
  EXPECT_EQ(title.source_side(), common::v1::SIDE_CRM);
  EXPECT_EQ(title.version(), 3);

  Redeliver(common::v1::SIDE_CRM, crm[1]);
  EXPECT_TRUE(Counted("changes", "crm", "applied", 2));
  Redeliver(common::v1::SIDE_PROJECTS, projects[1]);
  // The change is applied to the fields CRM's edit left unset, its title is STALE.
  EXPECT_TRUE(Counted("changes", "projects", "applied", 2));
  EXPECT_TRUE(
      MetricsShow("crmsync_sync_field_outcomes_total{field=\"title\",result=\"stale\"} 1\n"));
  title = Title(common::v1::SIDE_PROJECTS, reversed.projects_task);
  EXPECT_EQ(title.value().text(), "Move invoices (CRM)");
  EXPECT_EQ(title.source_side(), common::v1::SIDE_CRM);
  EXPECT_EQ(title.version(), 2);

  // Two quick edits on one side: the webhook of the first, come last, reads the task back as
  // the second left it, and is a DUPLICATE of it.
  EditTitle(common::v1::SIDE_PROJECTS, in_order.projects_task, "Migrate the data");
  EditTitle(common::v1::SIDE_PROJECTS, in_order.projects_task, "Migrate all the data");
  const std::vector<nlohmann::json> edits = Deliveries("/held/projects", 4);
  ASSERT_THAT(edits, SizeIs(4));
  Redeliver(common::v1::SIDE_PROJECTS, edits[3]);
  EXPECT_TRUE(Counted("changes", "projects", "applied", 3));
  Redeliver(common::v1::SIDE_PROJECTS, edits[2]);
  EXPECT_TRUE(Counted("changes", "projects", "duplicate", 1));
  title = Title(common::v1::SIDE_PROJECTS, in_order.projects_task);
  EXPECT_EQ(title.value().text(), "Migrate all the data");
  EXPECT_EQ(title.source_side(), common::v1::SIDE_PROJECTS);
  EXPECT_EQ(title.version(), 4);
  InboxDoneAtFirstAttempt();
}

// Two edits of one CRM task within one second share its Modified_Time, which CRM counts in
// whole seconds: the second, read back after the first was applied, is applied too, not taken
// for a redelivery of the first.
TEST_F(WebhookOrderTest, TwoCrmEditsWithinOneSecondAreBothApplied) {
  const Pair task = Tasks("Call the customer");
  WatchCrm("/webhooks/crm");
  StartOfASecond();
  EditTitle(common::v1::SIDE_CRM, task.crm_task, "Call the customer back");
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_CRM, task.crm_task, "Call the customer back").version(),
            2);
  const std::string first = CrmModifiedTime(task.crm_task);
  EditTitle(common::v1::SIDE_CRM, task.crm_task, "Call the customer today");
  ASSERT_EQ(CrmModifiedTime(task.crm_task), first) << "the edits were not within one second";

  const v1::FieldState title =
      TitleBecomes(common::v1::SIDE_CRM, task.crm_task, "Call the customer today");
  EXPECT_EQ(title.value().text(), "Call the customer today");
  EXPECT_EQ(title.version(), 3);
  EXPECT_TRUE(Counted("changes", "crm", "applied", 2));
  InboxDoneAtFirstAttempt();
}

// A CRM notification about a task that is not linked (one that exists, and one CRM does not
// have) and a Projects webhook about an unlinked task change nothing: each request is done at
// its first attempt, nothing is queued for Zoho and nobody is notified.
TEST_F(WebhookOrderTest, WebhooksAboutUnlinkedTasksCompleteWithoutAChange) {
  const Pair unlinked = Tasks("Plan the workshop", /*linked=*/false);
  WatchCrm("/webhooks/crm");
  PointProjectsWebhooksAtSync();
  EditTitle(common::v1::SIDE_CRM, unlinked.crm_task, "Plan the workshop (CRM)");
  EditTitle(common::v1::SIDE_PROJECTS, unlinked.projects_task, "Plan the workshop (Projects)");
  const std::vector<nlohmann::json> crm = Deliveries("/webhooks/crm", 1);
  ASSERT_THAT(crm, SizeIs(1));
  nlohmann::json missing = crm[0];
  nlohmann::json notification = nlohmann::json::parse(missing["body"].get<std::string>());
  notification["ids"] = {"6000000099999"};
  missing["body"] = notification.dump();
  Redeliver(common::v1::SIDE_CRM, missing);

  EXPECT_TRUE(Counted("changes", "crm", "rejected", 1));
  EXPECT_TRUE(Counted("changes", "projects", "rejected", 1));
  InboxDoneAtFirstAttempt();
  EXPECT_THAT(SyncMetrics(),
              HasSubstr("crmsync_sync_rule_rejections_total{reason=\"task_not_linked\"} 2"));
  pqxx::connection connection(database_->url());
  pqxx::nontransaction tx(connection);
  EXPECT_EQ(tx.exec1("SELECT count(*) AS n FROM sync.work_items WHERE queue <> 'sync_inbox'")["n"]
                .as<int>(),
            0);
  EXPECT_EQ(tx.exec1("SELECT count(*) AS n FROM sync.task_links")["n"].as<int>(), 0);
  EXPECT_EQ(tx.exec1("SELECT count(*) AS n FROM sync.failures")["n"].as<int>(), 0);
}

}  // namespace
}  // namespace crmsync::sync

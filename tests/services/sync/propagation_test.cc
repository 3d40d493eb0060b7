// A person's edits travelling between Zoho Projects and Zoho CRM through the crmsync-sync binary,
// end to end: zoho-sim plays both Zoho sides and their people, Projects' webhook points at sync's
// receiver (the portal's admin set it up) and CRM's watch channel is the one sync registered; the
// task was added to CRM through AddTaskToCrm and created there by delivery. Each test looks at
// what a user sees: the task on the other side, sync's state of it, the emails sent, and the
// calls Zoho received (one write per edit, then quiet).
#include "tests/services/sync/sync_suite.h"

namespace crmsync::sync {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kAna[] = "ana@example.com";

class PropagationTest : public SyncIntegrationTest {
 protected:
  std::vector<std::string> SyncFlags() const override {
    return {"--delivery_workers=2", "--delivery_poll=50ms"};
  }

  void SetUp() override {
    SyncIntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    RegisterGrant(
        common::v1::SIDE_CRM,
        {"ZohoCRM.modules.tasks.ALL", "ZohoCRM.modules.tasks.READ", "ZohoCRM.modules.notes.ALL",
         "ZohoCRM.modules.accounts.READ", "ZohoCRM.modules.deals.READ", "ZohoCRM.users.READ",
         "ZohoCRM.notifications.ALL"});
    std::vector<std::string> projects_scopes = kProjectsScopes;
    projects_scopes.push_back("ZohoProjects.tasks.ALL");
    RegisterGrant(common::v1::SIDE_PROJECTS, projects_scopes);

    const std::string sim_portal = "/_sim/projects/portals/" + portal_;
    admin_projects_ = Id(Control(sim_portal + "/users", {{"name", "Admin"}, {"email", kAdmin}}));
    ana_projects_ = Id(Control(sim_portal + "/users", {{"name", "Ana Lima"}, {"email", kAna}}));
    ana_crm_ = Id(Control("/_sim/crm/users", {{"email", kAna}, {"full_name", "Ana Lima"}}));
    const std::string client =
        Control(sim_portal + "/clients", {{"name", "Acme Corp"}})["id_string"];
    project_ = Control(sim_portal + "/projects",
                       {{"name", "Data Migration"}, {"client_id", client}})["id_string"];
    const std::string account = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "ACME Corp"}}));
    ASSERT_NO_FATAL_FAILURE(ImportDirectory());
    ASSERT_NO_FATAL_FAILURE(MapAccount(client, account));

    // The admin asks for the portal's CRM watch channel; the sync started next, knowing its
    // public URL, registers it with CRM.
    v1::WatchCrmTasksResponse watch;
    ASSERT_NO_FATAL_FAILURE(WatchCrmTasks(&watch));
    ASSERT_EQ(*sync_.process->Terminate(absl::Seconds(15)), 0);
    sync_args_.push_back("--webhook_public_url=" + webhook_base_);
    sync_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-sync", sync_args_);
    ASSERT_NE(sync_.channel, nullptr);
    stub_ = v1::SyncService::NewStub(sync_.channel);
    ASSERT_TRUE(Eventually([&] {
      auto listed = sim_->Control(http::Method::kGet, "/_sim/crm/watch");
      return listed.ok() && listed->is_object() && !(*listed)["watch"].empty();
    })) << "sync did not register the portal's CRM watch channel";

    projects_task_ = Id(Control(sim_portal + "/projects/" + project_ + "/tasks",
                                {{"fields",
                                  {{"name", "Migrate data"},
                                   {"description", "Move the ledgers"},
                                   {"end_date", "06-20-2025"},
                                   {"priority", "medium"},
                                   {"person_responsible", admin_projects_}}},
                                 {"user_email", kAdmin}})["tasks"][0]);
    v1::AddTaskToCrmRequest add;
    add.set_portal_id(portal_);
    add.set_project_id(project_);
    add.set_projects_task_id(projects_task_);
    add.set_crm_account_id(account);
    add.mutable_actor()->set_email(kAdmin);
    v1::AddTaskToCrmResponse added;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    const grpc::Status status = stub_->AddTaskToCrm(&context, add, &added);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_TRUE(Eventually([&] { return State().link().state() == v1::LINK_STATE_ACTIVE; }))
        << QueueErrors(kOutboxQueue);
    crm_task_ = State().link().crm_task_id();
    ASSERT_EQ(CrmTask()["Subject"], "Migrate data");
    PointProjectsWebhooksAtSync();
    Settled();
  }

  // Whether `done` holds, polling it for up to 30 seconds.
  static bool Eventually(const std::function<bool()>& done) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(50));  // polling, bounded above
    }
    return done();
  }

  // sync's state of the task.
  v1::TaskSyncState State() {
    v1::GetTaskSyncStateRequest request;
    request.set_portal_id(portal_);
    request.mutable_task()->set_side(common::v1::SIDE_PROJECTS);
    request.mutable_task()->set_task_id(projects_task_);
    v1::GetTaskSyncStateResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub_->GetTaskSyncState(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.state();
  }

  v1::FieldState FieldOf(v1::TaskField field) {
    const v1::TaskSyncState task = State();
    for (const v1::FieldState& state : task.fields()) {
      if (state.field() == field) return state;
    }
    return v1::FieldState();
  }

  v1::SideDelivery DeliveryTo(common::v1::Side side) {
    const v1::TaskSyncState task = State();
    for (const v1::SideDelivery& delivery : task.deliveries()) {
      if (delivery.side() == side) return delivery;
    }
    return v1::SideDelivery();
  }

  nlohmann::json CrmTask() {
    auto task = sim_->Control(http::Method::kGet, "/_sim/crm/Tasks/" + crm_task_);
    EXPECT_TRUE(task.ok()) << task.status();
    return task.ok() ? *task : nlohmann::json::object();
  }
  nlohmann::json ProjectsTask() {
    auto task = sim_->Control(http::Method::kGet,
                              "/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_);
    EXPECT_TRUE(task.ok()) << task.status();
    return task.ok() ? *task : nlohmann::json::object();
  }
  // The notes of the CRM task, as CRM lists them.
  nlohmann::json CrmNotes() {
    auto notes = sim_->Control(http::Method::kGet, "/_sim/crm/Tasks/" + crm_task_ + "/notes");
    EXPECT_TRUE(notes.ok()) << notes.status();
    return notes.ok() && notes->is_object() ? (*notes)["data"] : nlohmann::json::array();
  }

  // A person's edit of the task in Projects, and in CRM.
  void EditInProjects(const std::string& email, const nlohmann::json& fields) {
    Control("/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_ + "/edit",
            {{"user_email", email}, {"fields", fields}});
  }
  // CRM's Modified_Time has whole seconds, so a CRM edit in the second of the field's last
  // Projects change would not be later than it (last writer wins): the sim's clock moves the
  // person's edit to the next second instead of the test waiting for it.
  void EditInCrm(const nlohmann::json& fields) {
    Control("/_sim/clock/advance", {{"seconds", 1}});
    Control("/_sim/crm/Tasks/" + crm_task_ + "/edit", {{"user_email", kAdmin}, {"fields", fields}});
  }

  // Waits (bounded) until neither sync's inbox nor its outbox has anything pending or running.
  void Settled() {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    for (const char* queue : {kInboxQueue, kOutboxQueue, kInboxQueue}) {
      while (absl::Now() < deadline) {
        auto stats = work_queue::ReadStats(*pool_, queue, absl::Now());
        ASSERT_TRUE(stats.ok()) << stats.status();
        if (stats->pending == 0 && stats->running == 0) break;
        absl::SleepFor(absl::Milliseconds(50));  // polling the queue, bounded above
      }
    }
    ASSERT_LT(absl::Now(), deadline) << QueueErrors(kInboxQueue) << QueueErrors(kOutboxQueue);
  }

  // Zoho's calls since the last ForgetCalls, by endpoint.
  std::map<std::string, int> Calls() {
    auto counts = sim_->Control(http::Method::kGet, "/_sim/counts");
    EXPECT_TRUE(counts.ok()) << counts.status();
    return counts.ok() ? (*counts)["counts"].get<std::map<std::string, int>>()
                       : std::map<std::string, int>();
  }
  // The calls that change records on Zoho (every method but GET; token mints are not), by
  // endpoint. A bounce needs a write, while reads also come from sync's periodic work.
  std::map<std::string, int> Writes() {
    std::map<std::string, int> writes;
    for (const auto& [endpoint, count] : Calls()) {
      if (!absl::StartsWith(endpoint, "GET ") && !absl::StartsWith(endpoint, "POST /oauth/")) {
        writes[endpoint] = count;
      }
    }
    return writes;
  }
  void ForgetCalls() { ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/requests").ok()); }
  // The HTTP statuses Zoho answered to `endpoint` since the last ForgetCalls, in order.
  std::vector<int> Statuses(const std::string& endpoint) {
    auto log = sim_->Control(http::Method::kGet, "/_sim/requests");
    EXPECT_TRUE(log.ok()) << log.status();
    std::vector<int> statuses;
    if (!log.ok()) return statuses;
    for (const auto& request : (*log)["requests"]) {
      if (request["endpoint"] == endpoint) statuses.push_back(request["status"].get<int>());
    }
    return statuses;
  }

  std::string admin_projects_, ana_projects_, ana_crm_, projects_task_, crm_task_;
};

constexpr char kCrmUpdate[] = "PUT /crm/v2/{module}";
constexpr char kProjectsUpdate[] = "POST /restapi/portal/{portal}/projects/{project}/tasks/{task}/";

TEST_F(PropagationTest, EachFieldEditedInProjectsReachesCrm) {
  const auto arrives = [&](const std::string& what, const nlohmann::json& edit,
                           const std::function<bool(const nlohmann::json&)>& in_crm,
                           v1::TaskField field) {
    SCOPED_TRACE(what);
    EditInProjects(kAdmin, edit);
    EXPECT_TRUE(Eventually([&] { return in_crm(CrmTask()); })) << CrmTask().dump();
    EXPECT_EQ(FieldOf(field).source_side(), common::v1::SIDE_PROJECTS);
  };
  arrives(
      "title", {{"name", "Migrate the data"}},
      [](const nlohmann::json& t) { return t["Subject"] == "Migrate the data"; },
      v1::TASK_FIELD_TITLE);
  arrives(
      "description", {{"description", "Move the ledgers and invoices"}},
      [](const nlohmann::json& t) {
        return t.value("Description", nlohmann::json()) == "Move the ledgers and invoices";
      },
      v1::TASK_FIELD_DESCRIPTION);
  arrives(
      "end date", {{"end_date", "06-25-2025"}},
      [](const nlohmann::json& t) { return t["Due_Date"] == "2025-06-25"; },
      v1::TASK_FIELD_END_DATE);
  arrives(
      "priority", {{"priority", "high"}},
      [](const nlohmann::json& t) { return t["Priority"] == "High"; }, v1::TASK_FIELD_PRIORITY);
  arrives(
      "owner", {{"person_responsible", ana_projects_}},
      [&](const nlohmann::json& t) { return t["Owner"]["id"] == ana_crm_; }, v1::TASK_FIELD_OWNER);
  EXPECT_EQ(FieldOf(v1::TASK_FIELD_OWNER).value().owner().email(), kAna);
  arrives(
      "closed", {{"custom_status", statuses_.at("Closed")}},
      [](const nlohmann::json& t) { return t["Status"] == "Completed"; }, v1::TASK_FIELD_STATUS);
  EXPECT_EQ(FieldOf(v1::TASK_FIELD_STATUS).value().status(), common::v1::TASK_STATUS_CLOSED);
  arrives(
      "reopened", {{"custom_status", statuses_.at("Open")}},
      [](const nlohmann::json& t) { return t["Status"] == "Not Started"; }, v1::TASK_FIELD_STATUS);
  EXPECT_EQ(FieldOf(v1::TASK_FIELD_STATUS).value().status(), common::v1::TASK_STATUS_OPEN);

  // Every edit was the person's; none of sync's own writes came back as one.
  const v1::FieldState title = FieldOf(v1::TASK_FIELD_TITLE);
  EXPECT_EQ(title.value().text(), "Migrate the data");
  EXPECT_EQ(title.version(), 2);
  EXPECT_EQ(DeliveryTo(common::v1::SIDE_CRM).last_result(), v1::DELIVERY_RESULT_SUCCEEDED);
}

TEST_F(PropagationTest, EachFieldEditedInCrmReachesProjects) {
  const auto arrives = [&](const std::string& what, const nlohmann::json& edit,
                           const std::function<bool(const nlohmann::json&)>& in_projects,
                           v1::TaskField field) {
    SCOPED_TRACE(what);
    EditInCrm(edit);
    const bool arrived = Eventually([&] { return in_projects(ProjectsTask()); });
    EXPECT_TRUE(arrived) << ProjectsTask().dump();
    EXPECT_EQ(FieldOf(field).source_side(), common::v1::SIDE_CRM);
    return arrived;
  };
  arrives(
      "title", {{"Subject", "Migrate all data"}},
      [](const nlohmann::json& t) { return t["name"] == "Migrate all data"; },
      v1::TASK_FIELD_TITLE);
  arrives(
      "description", {{"Description", "Ledgers first"}},
      [](const nlohmann::json& t) { return t["description"] == "Ledgers first"; },
      v1::TASK_FIELD_DESCRIPTION);
  arrives(
      "end date", {{"Due_Date", "2025-06-27"}},
      [](const nlohmann::json& t) { return t.value("end_date", "") == "06-27-2025"; },
      v1::TASK_FIELD_END_DATE);
  arrives(
      "priority", {{"Priority", "Low"}},
      [](const nlohmann::json& t) { return t["priority"] == "Low"; }, v1::TASK_FIELD_PRIORITY);
  arrives(
      "owner", {{"Owner", {{"id", ana_crm_}}}},
      [&](const nlohmann::json& t) {
        const nlohmann::json& owners = t["details"]["owners"];
        return owners.size() == 1 && owners[0]["id"] == ana_projects_;
      },
      v1::TASK_FIELD_OWNER);
  EXPECT_EQ(FieldOf(v1::TASK_FIELD_OWNER).value().owner().email(), kAna);
  EXPECT_EQ(FieldOf(v1::TASK_FIELD_TITLE).value().text(), "Migrate all data");
  EXPECT_EQ(DeliveryTo(common::v1::SIDE_PROJECTS).last_result(), v1::DELIVERY_RESULT_SUCCEEDED);

  // Closing and reopening: Projects takes a status by its custom_status id.
  EditInCrm({{"Status", "Completed"}});
  ASSERT_TRUE(Eventually([&] {
    return FieldOf(v1::TASK_FIELD_STATUS).value().status() == common::v1::TASK_STATUS_CLOSED;
  }));
  Settled();
  EXPECT_TRUE(ProjectsTask()["completed"].get<bool>());
  EXPECT_EQ(ProjectsTask()["status"]["id"], statuses_.at("Closed"));
  EXPECT_EQ(FieldOf(v1::TASK_FIELD_STATUS).source_side(), common::v1::SIDE_CRM);
  arrives(
      "reopened", {{"Status", "Not Started"}},
      [&](const nlohmann::json& t) { return t["status"]["id"] == statuses_.at("Open"); },
      v1::TASK_FIELD_STATUS);
  EXPECT_EQ(FieldOf(v1::TASK_FIELD_STATUS).value().status(), common::v1::TASK_STATUS_OPEN);
}

// One edit, one write on the other side, then quiet: the write comes back to sync (Projects'
// webhook, CRM's watch) as its own echo and goes no further.
TEST_F(PropagationTest, AnEditIsWrittenOnceToTheOtherSideAndTrafficStops) {
  // After both queues drained, the calls are read twice, a second apart. A bounded wait cannot
  // show that nothing more happens: the second read is what would see a write bouncing back.
  const auto quiet = [&] {
    Settled();
    const std::map<std::string, int> drained = Writes();
    absl::SleepFor(absl::Seconds(1));
    Settled();
    EXPECT_EQ(Writes(), drained) << "writes went on after the queues drained";
    return drained;
  };

  ForgetCalls();
  EditInProjects(kAdmin, {{"name", "Migrate the data"}});
  ASSERT_TRUE(Eventually([&] { return CrmTask()["Subject"] == "Migrate the data"; }));
  // The person's own edit is not a call to Zoho's API: only sync's write to CRM is counted.
  EXPECT_EQ(quiet(), (std::map<std::string, int>{{kCrmUpdate, 1}}));
  EXPECT_EQ(ProjectsTask()["name"], "Migrate the data");

  ForgetCalls();
  EditInCrm({{"Subject", "Migrate all data"}});
  ASSERT_TRUE(Eventually([&] { return ProjectsTask()["name"] == "Migrate all data"; }));
  EXPECT_EQ(quiet(), (std::map<std::string, int>{{kProjectsUpdate, 1}}));
  EXPECT_EQ(CrmTask()["Subject"], "Migrate all data");
  const v1::FieldState title = FieldOf(v1::TASK_FIELD_TITLE);
  EXPECT_EQ(title.version(), 3);
  EXPECT_EQ(title.source_side(), common::v1::SIDE_CRM);
}

// Ana's comment in Projects becomes one note of the CRM task, signed with her name; deleting
// the comment deletes its copy.
TEST_F(PropagationTest, AProjectsCommentIsCopiedToCrmOnceAndItsDeletionFollows) {
  ForgetCalls();
  const nlohmann::json added =
      Control("/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_ + "/comments",
              {{"user_email", kAna}, {"content", "Invoices moved"}});
  const std::string comment = added["comments"][0]["id_string"];
  ASSERT_TRUE(Eventually([&] { return !CrmNotes().empty(); }));
  Settled();
  const nlohmann::json notes = CrmNotes();
  ASSERT_THAT(notes, SizeIs(1));
  EXPECT_THAT(notes[0]["Note_Content"].get<std::string>(),
              HasSubstr("Invoices moved\n\n— Ana Lima (via Zoho Projects)"));
  EXPECT_EQ(Writes(), (std::map<std::string, int>{{"POST /crm/v2/{module}/{id}/Notes", 1}}));
  EXPECT_THAT(ProjectsTask()["comments"], SizeIs(1));

  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_ + "/comments/" +
              comment + "/delete",
          nlohmann::json::object());
  EXPECT_TRUE(Eventually([&] { return CrmNotes().empty(); })) << CrmNotes().dump();
  Settled();
  EXPECT_EQ(Writes(), (std::map<std::string, int>{{"POST /crm/v2/{module}/{id}/Notes", 1},
                                                  {"DELETE /crm/v2/Notes/{id}", 1}}));
}

// CRM refuses Ana's edit for good: she gets one email saying so, the refusal is recorded as
// DELIVERY_REFUSED, and her next edit of the task is delivered.
TEST_F(PropagationTest, ARefusedWriteEmailsTheActorOnceAndLaterEditsStillArrive) {
  Control("/_sim/faults", {{"crm_invalid_data_ids", {crm_task_}}});
  EditInProjects(kAna, {{"name", "Migrate the data"}});
  ASSERT_TRUE(Eventually([&] {
    return DeliveryTo(common::v1::SIDE_CRM).last_result() == v1::DELIVERY_RESULT_FAILED;
  })) << QueueErrors(kOutboxQueue);
  EXPECT_THAT(DeliveryTo(common::v1::SIDE_CRM).last_error(), HasSubstr("INVALID_DATA"));
  v1::ListFailuresRequest list;
  list.set_portal_id(portal_);
  list.mutable_task()->set_side(common::v1::SIDE_PROJECTS);
  list.mutable_task()->set_task_id(projects_task_);
  v1::ListFailuresResponse failures;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ListFailures(&context, list, &failures).ok());
  ASSERT_THAT(failures.failures(), SizeIs(1));
  EXPECT_EQ(failures.failures(0).reason(), v1::FAILURE_REASON_DELIVERY_REFUSED);
  EXPECT_EQ(NotificationState(failures.failures(0).failure_id()),
            notify::v1::NOTIFICATION_STATE_SENT);
  const std::vector<notify::Mail> mails = MailsTo(kAna, 1);
  ASSERT_THAT(mails, SizeIs(1));
  EXPECT_THAT(notify::testing::Part(mails[0].data, "text/plain"), HasSubstr("Migrate the data"));
  EXPECT_EQ(CrmTask()["Subject"], "Migrate data");

  ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/faults").ok());
  EditInProjects(kAna, {{"description", "Ledgers first"}});
  EXPECT_TRUE(Eventually([&] { return CrmTask()["Description"] == "Ledgers first"; }));
  Settled();
  EXPECT_EQ(DeliveryTo(common::v1::SIDE_CRM).last_result(), v1::DELIVERY_RESULT_SUCCEEDED);
  const work_queue::QueueStats relayed = RelayDrained();
  EXPECT_EQ(relayed.pending + relayed.running + relayed.dead, 0);
  std::vector<notify::Mail> to_ana;
  for (auto& mail : notify::Mailbox(mail_dir_)) {
    if (mail.rcpt_to == kAna) to_ana.push_back(std::move(mail));
  }
  EXPECT_THAT(to_ana, SizeIs(1));
}

// Zoho expires the access tokens sync holds: each side's next write is answered 401
// INVALID_OAUTHTOKEN, sync asks auth for a fresh token naming the rejected one, and the write
// goes through on the one retry. Both edits arrive.
TEST_F(PropagationTest, AnAccessTokenExpiredMidRunIsReplacedAndNothingIsLost) {
  // A CRM edit: reading it back from CRM meets the first 401 of the CRM side, the write to
  // Projects the first of the Projects side.
  ForgetCalls();
  Control("/_sim/oauth/expire_tokens", nlohmann::json::object());
  EditInCrm({{"Subject", "Migrate all data"}});
  EXPECT_TRUE(Eventually([&] { return ProjectsTask()["name"] == "Migrate all data"; }));
  Settled();
  EXPECT_EQ(Statuses(kProjectsUpdate), (std::vector<int>{401, 200}));

  // A Projects edit: its write to CRM meets the CRM side's 401.
  ForgetCalls();
  Control("/_sim/oauth/expire_tokens", nlohmann::json::object());
  EditInProjects(kAdmin, {{"description", "Ledgers first"}});
  EXPECT_TRUE(Eventually([&] { return CrmTask()["Description"] == "Ledgers first"; }));
  Settled();
  EXPECT_EQ(Statuses(kCrmUpdate), (std::vector<int>{401, 200}));
  EXPECT_EQ(FieldOf(v1::TASK_FIELD_TITLE).value().text(), "Migrate all data");
  EXPECT_EQ(FieldOf(v1::TASK_FIELD_DESCRIPTION).value().text(), "Ledgers first");
  EXPECT_EQ(DeliveryTo(common::v1::SIDE_CRM).last_result(), v1::DELIVERY_RESULT_SUCCEEDED);
  EXPECT_EQ(DeliveryTo(common::v1::SIDE_PROJECTS).last_result(), v1::DELIVERY_RESULT_SUCCEEDED);
}

}  // namespace
}  // namespace crmsync::sync

// The crmsync-sync binary end to end: zoho-sim as Zoho, the real crmsync-auth and
// crmsync-mapping binaries, a real PostgreSQL. What a caller of SubmitChange sees when the rules
// read the live Projects state (a strict project's schedule, a closed parent task) and the owner
// goes through mapping's user links; FAILED_PRECONDITION when the portal has no Projects grant;
// and the one email the real crmsync-notify sends (to a real SMTP server) for a rejection; a CRM
// note's copy queued for Projects. The rules' tests link their tasks through the sync store;
// AddTaskToCrm links one through the binaries, from mapping's imported directory and the task as
// Projects has it. Resync repairs an edit whose webhook never came, for one task at once and for a
// portal in the background.
#include "services/sync/change/comment.h"
#include "tests/services/sync/sync_suite.h"

namespace crmsync::sync {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

TEST_F(SyncIntegrationTest, TheStrictScheduleIsReadLiveFromProjects) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Open");
  v1::TaskChange late = CrmChange("6000000012345", "due-late");
  late.mutable_fields()->mutable_end_date()->set_year(2025);
  late.mutable_fields()->mutable_end_date()->set_month(7);
  late.mutable_fields()->mutable_end_date()->set_day(15);
  v1::ChangeOutcome outcome;
  grpc::Status status = Submit(late, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_DUE_DATE_BEYOND_STRICT_SCHEDULE);
  EXPECT_EQ(outcome.message(),
            "End date 2025-07-15 is after the end of strict project Data Migration (2025-06-30)");

  // George gets one email naming the project and its schedule; the repeat records nothing new.
  v1::ChangeOutcome repeat;
  ASSERT_TRUE(Submit(late, &repeat).ok());
  EXPECT_EQ(repeat.result(), v1::OUTCOME_DUPLICATE);
  const std::vector<notify::Mail> mails = MailsTo("george@example.com", 1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(notify::testing::Header(mails[0].data, "Subject"),
            "Your due date change to \"Migrate data\" was not applied");
  const std::string text = notify::testing::Part(mails[0].data, "text/plain");
  EXPECT_THAT(text, HasSubstr("set End Date to 2025-07-15 in Zoho CRM"));
  EXPECT_THAT(text, HasSubstr("its schedule runs from 2025-06-01 to 2025-06-30"));
  EXPECT_THAT(text, HasSubstr("keeps the End Date 2025-06-20"));
  const work_queue::QueueStats relayed = RelayDrained();
  EXPECT_EQ(relayed.pending + relayed.running + relayed.dead, 0);
  // notify has recorded that one email as sent: nothing more is on its way.
  EXPECT_EQ(NotificationState(outcome.failure_id()), notify::v1::NOTIFICATION_STATE_SENT);
  EXPECT_EQ(MailsTo("george@example.com", 1).size(), 1u);

  v1::TaskChange last_day = CrmChange("6000000012345", "due-last-day");
  last_day.mutable_fields()->mutable_end_date()->set_year(2025);
  last_day.mutable_fields()->mutable_end_date()->set_month(6);
  last_day.mutable_fields()->mutable_end_date()->set_day(30);
  status = Submit(last_day, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(outcome.fields(0).version(), 2);
}

// With the portal set to REPORT_AND_RESTORE in mapping, George's end date past the strict
// schedule is refused and the kept end date is queued to be written back to his CRM task.
TEST_F(SyncIntegrationTest, UnderReportAndRestoreARefusedEndDateIsWrittenBackToCrm) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  UpsertPortal(portal_, mapping::v1::REJECTION_POLICY_REPORT_AND_RESTORE);
  LinkedTasks("Open");
  v1::TaskChange late = CrmChange("6000000012345", "due-late");
  *late.mutable_fields()->mutable_end_date() = ToProtoDate(absl::CivilDay(2025, 7, 15));
  v1::ChangeOutcome outcome;
  const grpc::Status status = Submit(late, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_DUE_DATE_BEYOND_STRICT_SCHEDULE);

  v1::GetTaskSyncStateRequest request;
  request.set_portal_id(portal_);
  request.mutable_task()->set_side(common::v1::SIDE_CRM);
  request.mutable_task()->set_task_id("6000000012345");
  v1::GetTaskSyncStateResponse response;
  grpc::ClientContext context;
  const grpc::Status read = stub_->GetTaskSyncState(&context, request, &response);
  ASSERT_TRUE(read.ok()) << read.error_message();
  const v1::TaskSyncState& state = response.state();
  EXPECT_EQ(state.fields(2).value().date().month(), 6);
  EXPECT_EQ(state.fields(2).value().date().day(), 20);
  ASSERT_EQ(state.pending_size(), 1);
  EXPECT_EQ(state.pending(0).kind(), v1::OUTBOX_KIND_UPDATE_TASK);
  EXPECT_EQ(state.pending(0).target_side(), common::v1::SIDE_CRM);
  ASSERT_EQ(state.pending(0).fields_size(), 1);
  EXPECT_EQ(state.pending(0).fields(0), v1::TASK_FIELD_END_DATE);
}

TEST_F(SyncIntegrationTest, ASubtaskIsNotReopenedUnderAParentClosedInProjects) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Closed");
  v1::TaskChange reopen = CrmChange("6000000012346", "reopen-1");
  reopen.mutable_fields()->set_side_status("In Progress");
  v1::ChangeOutcome outcome;
  grpc::Status status = Submit(reopen, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_SUBTASK_PARENT_CLOSED);
  EXPECT_THAT(outcome.message(), HasSubstr("Migrate data"));

  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"fields", {{"custom_status", statuses_.at("Open")}}}});
  reopen.set_event_id("reopen-2");
  status = Submit(reopen, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.result(), v1::OUTCOME_APPLIED);
}

TEST_F(SyncIntegrationTest, WithoutAProjectsGrantARuleCheckIsAFailedPrecondition) {
  LinkedTasks("Open");
  v1::TaskChange change = CrmChange("6000000012345", "no-grant");
  change.mutable_fields()->mutable_end_date()->set_year(2025);
  change.mutable_fields()->mutable_end_date()->set_month(6);
  change.mutable_fields()->mutable_end_date()->set_day(25);
  v1::ChangeOutcome outcome;
  const grpc::Status status = Submit(change, &outcome);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("Zoho Projects grant"));
  // A change no rule reads for goes through.
  v1::TaskChange title = CrmChange("6000000012345", "title-1");
  title.mutable_fields()->set_title("Migrate all data");
  ASSERT_TRUE(Submit(title, &outcome).ok());
  EXPECT_EQ(outcome.result(), v1::OUTCOME_APPLIED);
}

TEST_F(SyncIntegrationTest, AnOwnerIsLinkedThroughMappingsUsersByEmail) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.accounts.READ",
                                       "ZohoCRM.modules.deals.READ", "ZohoCRM.users.READ"});
  LinkedTasks("Open");
  const std::string projects_ana =
      Id(Control("/_sim/projects/portals/" + portal_ + "/users",
                 {{"name", "Ana Lima"}, {"email", "ana@example.com"}}));
  const std::string crm_ana =
      Id(Control("/_sim/crm/users", {{"email", "ana@example.com"}, {"full_name", "Ana L."}}));
  ASSERT_NO_FATAL_FAILURE(ImportDirectory(
      {mapping::v1::DIRECTORY_PART_PROJECTS_USERS, mapping::v1::DIRECTORY_PART_CRM_USERS}));

  v1::TaskChange change = CrmChange("6000000012345", "owner-1");
  change.mutable_fields()->set_owner_user_id(crm_ana);
  v1::ChangeOutcome outcome;
  ASSERT_TRUE(Submit(change, &outcome).ok());
  EXPECT_EQ(outcome.result(), v1::OUTCOME_APPLIED);
  auto task = store_->ReadTask(portal_, Side::kCrm, "6000000012345", absl::InfiniteFuture());
  ASSERT_TRUE(task.ok()) << task.status();
  const Owner& owner = std::get<Owner>((*task)->canonical.at(Field::kOwner).value);
  EXPECT_EQ(owner.projects_user_id, projects_ana);
  EXPECT_EQ(owner.email, "ana@example.com");

  change.set_event_id("owner-2");
  change.mutable_fields()->set_owner_user_id("4000000099999");
  ASSERT_TRUE(Submit(change, &outcome).ok());
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_UNKNOWN_OWNER);
}

TEST_F(SyncIntegrationTest, ATaskOfAProjectWhoseClientIsMappedIsAddedToCrmPendingCreate) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.accounts.READ",
                                       "ZohoCRM.modules.deals.READ", "ZohoCRM.users.READ"});
  const std::string sim_portal = "/_sim/projects/portals/" + portal_;
  const std::string client = Control(sim_portal + "/clients", {{"name", "Acme Corp"}})["id_string"];
  project_ = Control(sim_portal + "/projects",
                     {{"name", "Data Migration"}, {"client_id", client}})["id_string"];
  const std::string task = Id(Control(
      sim_portal + "/projects/" + project_ + "/tasks",
      {{"fields", {{"name", "Migrate data"}, {"end_date", "06-20-2025"}, {"priority", "high"}}},
       {"user_email", kAdmin}})["tasks"][0]);
  const std::string account = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "ACME Corp"}}));
  const std::string deal = Id(Control(
      "/_sim/crm/Deals", {{"Deal_Name", "Renewal 2027"}, {"Account_Name", {{"id", account}}}}));
  ASSERT_NO_FATAL_FAILURE(ImportDirectory());
  ASSERT_NO_FATAL_FAILURE(MapAccount(client, account));
  const auto add = [&](const std::function<void(v1::AddTaskToCrmRequest&)>& target,
                       v1::AddTaskToCrmResponse* response) {
    v1::AddTaskToCrmRequest request;
    request.set_portal_id(portal_);
    request.set_project_id(project_);
    request.set_projects_task_id(task);
    request.mutable_actor()->set_email(kAdmin);
    target(request);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return stub_->AddTaskToCrm(&context, request, response);
  };

  // The deal belongs to the mapped account but is not associated with the project.
  v1::AddTaskToCrmResponse response;
  grpc::Status status =
      add([&](v1::AddTaskToCrmRequest& r) { r.set_crm_deal_id(deal); }, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("crm_deal_id: CRM deal ", deal,
                         " is not associated with the project Data Migration (", project_, ")"));

  const auto to_account = [&](v1::AddTaskToCrmRequest& r) { r.set_crm_account_id(account); };
  // A task Projects does not have in the project.
  status = add(
      [&](v1::AddTaskToCrmRequest& r) {
        to_account(r);
        r.set_projects_task_id("1700000099999");
      },
      &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("projects_task_id: Zoho Projects has no task 1700000099999 in project "
                         "Data Migration (",
                         project_, ")"));
  // Without a CRM grant the CRM task could not be created.
  {
    auto auth = auth::v1::AuthService::NewStub(auth_.channel);
    auth::v1::RevokeGrantRequest revoke;
    revoke.set_portal_id(portal_);
    revoke.set_side(common::v1::SIDE_CRM);
    revoke.set_local_only(true);
    auth::v1::RevokeGrantResponse revoked;
    grpc::ClientContext context;
    ASSERT_TRUE(auth->RevokeGrant(&context, revoke, &revoked).ok());
  }
  status = add(to_account, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), absl::StrCat("portal ", portal_, " has no Zoho CRM grant"));
  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.accounts.READ"});

  status = add(to_account, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.link().state(), v1::LINK_STATE_PENDING_CREATE);
  EXPECT_EQ(response.link().crm_task_id(), "");
  EXPECT_EQ(response.link().crm_parent().record_id(), account);
  auto linked = store_->ReadTask(portal_, Side::kProjects, task, absl::InfiniteFuture());
  ASSERT_TRUE(linked.ok()) << linked.status();
  ASSERT_TRUE(linked->has_value());
  const CanonicalTask& canonical = (*linked)->canonical;
  EXPECT_EQ(std::get<std::string>(canonical.at(Field::kTitle).value), "Migrate data");
  EXPECT_EQ(std::get<EndDate>(canonical.at(Field::kEndDate).value), absl::CivilDay(2025, 6, 20));
  EXPECT_EQ(std::get<Priority>(canonical.at(Field::kPriority).value), Priority::kHigh);
  EXPECT_EQ(std::get<TaskStatus>(canonical.at(Field::kStatus).value), TaskStatus::kOpen);
  EXPECT_EQ(canonical.at(Field::kTitle).version, 1);
  // The CRM task's creation is queued once, keyed by the link.
  pqxx::connection connection(database_->url());
  pqxx::nontransaction tx(connection);
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM sync.work_items w JOIN sync.task_links l "
                            "ON w.item_key = 'create:' || l.link_id "
                            "WHERE w.queue = 'sync_outbox' AND l.projects_task_id = $1",
                            task)[0]
                .as<int>(),
            1);
}

// The failure and its relay item commit with the rejection; a sync killed before its relay
// called notify leaves them behind, and the sync started next emails George exactly once.
TEST_F(SyncIntegrationTest, AFailureCommittedBeforeAKillIsEmailedOnceAfterTheRestart) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Open");
  ASSERT_EQ(*sync_.process->Terminate(absl::Seconds(15)), 0);
  // This sync looked at its empty relay queue at start and will not look again for an hour.
  std::vector<std::string> idle_relay = sync_args_;
  idle_relay.push_back("--relay_interval=1h");
  sync_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-sync", idle_relay);
  ASSERT_NE(sync_.channel, nullptr);
  ASSERT_TRUE(sync_.process
                  ->WaitForLine(
                      [](const nlohmann::json& j) {
                        return j.value("msg", "") == "background task started" &&
                               j.value("task", "") == "failure_relay";
                      },
                      absl::Seconds(20))
                  .ok());
  stub_ = v1::SyncService::NewStub(sync_.channel);
  v1::TaskChange late = CrmChange("6000000012345", "due-late");
  late.mutable_fields()->mutable_end_date()->set_year(2025);
  late.mutable_fields()->mutable_end_date()->set_month(7);
  late.mutable_fields()->mutable_end_date()->set_day(15);
  v1::ChangeOutcome outcome;
  ASSERT_TRUE(Submit(late, &outcome).ok());
  ASSERT_EQ(outcome.result(), v1::OUTCOME_REJECTED);

  ASSERT_EQ(::kill(sync_.process->pid(), SIGKILL), 0);
  ASSERT_TRUE(sync_.process->Wait(absl::Seconds(15)).ok());
  auto queued = work_queue::ReadStats(*pool_, kFailureRelayQueue, absl::Now());
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_EQ(queued->pending, 1);
  EXPECT_TRUE(notify::Mailbox(mail_dir_).empty());

  sync_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-sync", sync_args_);
  ASSERT_NE(sync_.channel, nullptr);
  const work_queue::QueueStats relayed = RelayDrained();
  EXPECT_EQ(relayed.pending + relayed.running + relayed.dead, 0);
  EXPECT_EQ(NotificationState(outcome.failure_id()), notify::v1::NOTIFICATION_STATE_SENT);
  const std::vector<notify::Mail> mails = MailsTo("george@example.com", 1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_THAT(notify::testing::Part(mails[0].data, "text/plain"),
              HasSubstr("its schedule runs from 2025-06-01 to 2025-06-30"));
}

// Exactly once on Zoho: a sync that dies right after Zoho took a create (the binary's crash hook
// kills it there with SIGKILL, before the outcome is recorded), and the sync started next takes
// the write over once its lease ends. Zoho ends up with one note, comment or task.

TEST_F(DeliveryCrashTest, ANoteCrmTookBeforeTheKillIsNotAddedTwice) {
  const int64_t link = LinkTask(/*pending_create=*/false);
  const std::string content = "Ana Lima (Zoho Projects): invoices moved";
  auto copy = testing::QueueCommentCopy(*pool_, link, Side::kProjects, content, absl::Now());
  ASSERT_TRUE(copy.ok()) << copy.status();
  Killed();
  // CRM has the note; crmsync has not recorded it.
  EXPECT_EQ(Calls("POST /crm/v2/{module}/{id}/Notes"), 1);
  EXPECT_EQ(CopyCommentId(*copy), "");
  Restarted();
  const work_queue::QueueStats stats = OutboxDrained();
  EXPECT_EQ(stats.pending + stats.running + stats.dead, 0);
  EXPECT_EQ(Calls("POST /crm/v2/{module}/{id}/Notes"), 1);
  const std::string note_id = CopyCommentId(*copy);
  ASSERT_FALSE(note_id.empty());
  auto note = sim_->Control(http::Method::kGet, "/_sim/crm/Notes/" + note_id, nullptr);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ((*note)["Note_Content"], absl::StrCat(content, CopyMarker(*copy)));
}

TEST_F(DeliveryCrashTest, ACommentProjectsTookBeforeTheKillIsNotAddedTwice) {
  const int64_t link = LinkTask(/*pending_create=*/false);
  const std::string content = "George (Zoho CRM): customer agreed";
  auto copy = testing::QueueCommentCopy(*pool_, link, Side::kCrm, content, absl::Now());
  ASSERT_TRUE(copy.ok()) << copy.status();
  Killed();
  EXPECT_EQ(Calls("POST /restapi/portal/{portal}/projects/{project}/tasks/{task}/comments/"), 1);
  EXPECT_EQ(CopyCommentId(*copy), "");
  Restarted();
  const work_queue::QueueStats stats = OutboxDrained();
  EXPECT_EQ(stats.pending + stats.running + stats.dead, 0);
  auto task =
      sim_->Control(http::Method::kGet,
                    "/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_, nullptr);
  ASSERT_TRUE(task.ok()) << task.status();
  ASSERT_EQ((*task)["comments"].size(), 1u);
  EXPECT_EQ(Id((*task)["comments"][0]), CopyCommentId(*copy));
  EXPECT_EQ((*task)["comments"][0]["content"], absl::StrCat(content, CopyMarker(*copy)));
}

TEST_F(DeliveryCrashTest, ACrmTaskCreatedBeforeTheKillIsCreatedOnceAndLinked) {
  const int64_t link = LinkTask(/*pending_create=*/true);
  OutboxWrite create;
  create.kind = OutboxKind::kCreateTask;
  create.target_side = Side::kCrm;
  create.link_id = link;
  create.origin_side = Side::kProjects;
  create.accept_time = absl::Now();
  ASSERT_TRUE(
      testing::QueueWrites(*pool_, {{absl::StrCat("create:", link), create}}, absl::Now()).ok());
  Killed();
  EXPECT_EQ(Calls("POST /crm/v2/{module}"), 1);
  auto pending = store_->ReadTask(portal_, Side::kProjects, projects_task_, absl::InfiniteFuture());
  ASSERT_TRUE(pending.ok() && pending->has_value()) << pending.status();
  EXPECT_EQ((*pending)->link.state, LinkState::kPendingCreate);
  Restarted();
  const work_queue::QueueStats stats = OutboxDrained();
  EXPECT_EQ(stats.pending + stats.running + stats.dead, 0);
  EXPECT_EQ(Calls("POST /crm/v2/{module}"), 1);
  auto task = store_->ReadTask(portal_, Side::kProjects, projects_task_, absl::InfiniteFuture());
  ASSERT_TRUE(task.ok() && task->has_value()) << task.status();
  EXPECT_EQ((*task)->link.state, LinkState::kActive);
  auto crm =
      sim_->Control(http::Method::kGet, "/_sim/crm/Tasks/" + (*task)->link.crm_task_id, nullptr);
  ASSERT_TRUE(crm.ok()) << crm.status();
  EXPECT_EQ((*crm)["Subject"], "Migrate data");
}

// A person's edit in Projects reaches sync through the portal's webhook (delivered twice, as Zoho
// may): the task is read back from Projects and the edit applied once; the redelivery is a
// DUPLICATE of it.
TEST_F(SyncIntegrationTest, AnEditInProjectsArrivesThroughTheWebhookOnce) {
  LinkedTasksWithProjectsWebhooks();
  Control("/_sim/faults", {{"webhook_duplicate_share", 1.0}});
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"name", "Migrate data (phase 2)"}}}});

  const v1::FieldState title =
      TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate data (phase 2)");
  EXPECT_EQ(title.value().text(), "Migrate data (phase 2)");
  EXPECT_EQ(title.source_side(), common::v1::SIDE_PROJECTS);
  EXPECT_EQ(title.version(), 2);
  const work_queue::QueueStats inbox = InboxDrained();
  EXPECT_EQ(inbox.pending + inbox.running + inbox.dead, 0);
  const std::string metrics = SyncMetrics();
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_changes_total{origin=\"projects\",outcome=\"applied\"} 1"));
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_changes_total{origin=\"projects\",outcome=\"duplicate\"} 1"));
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_webhook_requests_total{side=\"projects\",status=\"200\"} 2"));
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate data (phase 2)").version(),
            2);
}

// A person's edit in Projects whose webhook never came is repaired by the task's Resync: both
// sides are read back (the linked CRM task is not in the simulator's CRM, so only Projects
// answers), the edit is applied, and a second Resync finds nothing new. Without a CRM grant the
// CRM side cannot be read and nothing is submitted.
TEST_F(SyncIntegrationTest, AnEditWithoutAWebhookIsRepairedByTheTasksResyncOnce) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Open");
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"name", "Migrate data (phase 2)"}}}});
  v1::ResyncRequest request;
  request.set_portal_id(portal_);
  request.mutable_task()->set_side(common::v1::SIDE_CRM);
  request.mutable_task()->set_task_id("6000000012345");
  v1::ResyncResponse response;
  EXPECT_EQ(Resync(request, &response).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate data").version(), 1);

  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.tasks.READ"});
  const grpc::Status status = Resync(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.tasks_queued(), 0);
  ASSERT_THAT(response.outcomes(), SizeIs(1));
  EXPECT_EQ(response.outcomes(0).result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(response.state().link().projects_task_id(), parent_);
  v1::FieldState title;
  for (const auto& field : response.state().fields()) {
    if (field.field() == v1::TASK_FIELD_TITLE) title = field;
  }
  EXPECT_EQ(title.value().text(), "Migrate data (phase 2)");
  EXPECT_EQ(title.source_side(), common::v1::SIDE_PROJECTS);
  EXPECT_EQ(title.version(), 2);

  request.mutable_task()->set_side(common::v1::SIDE_PROJECTS);
  request.mutable_task()->set_task_id(parent_);
  ASSERT_TRUE(Resync(request, &response).ok());
  ASSERT_THAT(response.outcomes(), SizeIs(1));
  EXPECT_EQ(response.outcomes(0).result(), v1::OUTCOME_DUPLICATE);
  EXPECT_EQ(response.outcomes(0).first_result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate data (phase 2)").version(),
            2);
}

// A portal's Resync queues each linked task once, however often it is asked while they wait
// (here for the CRM grant), and sync works through them in the background.
TEST_F(SyncIntegrationTest, APortalsResyncQueuesEachTaskOnceAndRepairsItInTheBackground) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Open");
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"name", "Migrate the data"}}}});
  v1::ResyncRequest request;
  request.set_portal_id(portal_);
  request.set_all_tasks(true);
  v1::ResyncResponse response;
  ASSERT_TRUE(Resync(request, &response).ok());
  EXPECT_EQ(response.tasks_queued(), 2);
  ASSERT_TRUE(Resync(request, &response).ok());
  EXPECT_EQ(response.tasks_queued(), 0);

  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.tasks.READ"});
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate the data").value().text(),
            "Migrate the data");
  const work_queue::QueueStats resync = ResyncDrained();
  EXPECT_EQ(resync.pending + resync.running + resync.dead, 0) << QueueErrors(kResyncQueue);
}

// A webhook that arrives before the portal's Projects grant exists is not taken for a task Zoho
// no longer has: it waits in the inbox and is applied once the grant is registered.
TEST_F(SyncIntegrationTest, AWebhookBeforeTheGrantIsAppliedOnceTheGrantExists) {
  LinkedTasks("Open");
  PointProjectsWebhooksAtSync();
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"name", "Migrate the data"}}}});
  auto waiting = sync_.process->WaitForLine(
      [](const nlohmann::json& j) {
        return j.value("msg", "") == "a webhook could not be processed yet; it will be retried";
      },
      absl::Seconds(30));
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate the data").value().text(),
            "Migrate the data");
}

// A person's edit in CRM reaches sync through the portal's watch channel: CRM's notification
// carries ids only, so the task is read back from CRM and its edit applied.
TEST_F(SyncIntegrationTest, AnEditInCrmArrivesThroughTheWatchChannel) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  RegisterGrant(common::v1::SIDE_CRM,
                {"ZohoCRM.modules.accounts.READ", "ZohoCRM.modules.deals.READ",
                 "ZohoCRM.users.READ", "ZohoCRM.modules.tasks.READ"});
  // The CRM task's owner (the admin, as CRM made them) is linked to Projects by email.
  Control("/_sim/projects/portals/" + portal_ + "/users", {{"name", "Admin"}, {"email", kAdmin}});
  ASSERT_NO_FATAL_FAILURE(ImportDirectory(
      {mapping::v1::DIRECTORY_PART_PROJECTS_USERS, mapping::v1::DIRECTORY_PART_CRM_USERS}));
  std::string crm_task, projects_task;
  ASSERT_NO_FATAL_FAILURE(LinkedTasksWatchedInCrm(&crm_task, &projects_task));

  Control("/_sim/crm/Tasks/" + crm_task + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"Subject", "Call the customer back"}}}});
  const v1::FieldState title =
      TitleBecomes(common::v1::SIDE_CRM, crm_task, "Call the customer back");
  EXPECT_EQ(title.value().text(), "Call the customer back");
  EXPECT_EQ(title.source_side(), common::v1::SIDE_CRM);
  EXPECT_EQ(title.version(), 2);
}

// The portal's channel as CRM lists it, once `done` holds for it (bounded); null when it never
// did.
nlohmann::json WatchedChannel(crmsync::testing::ZohoSimProcess& sim, int64_t channel_id,
                              const std::function<bool(const nlohmann::json&)>& done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    auto listed = sim.Control(http::Method::kGet, "/_sim/crm/watch");
    nlohmann::json channel;
    if (listed.ok() && listed->is_object()) {
      for (const auto& c : (*listed)["watch"]) {
        if (c["channel_id"] == absl::StrCat(channel_id)) channel = c;
      }
    }
    if (done(channel)) return channel;
    absl::SleepFor(absl::Milliseconds(100));  // polling CRM's channels, bounded above
  }
  return nullptr;
}

// sync keeps the portal's CRM watch channel registered: it registers it with a token of its
// own, which the receiver then accepts, renews it before it expires, and registers it again
// once CRM dropped it.
TEST_F(SyncIntegrationTest, TheCrmWatchChannelIsRegisteredRenewedAndRestored) {
  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.notifications.ALL", "ZohoCRM.modules.tasks.READ"});
  ASSERT_EQ(*sync_.process->Terminate(absl::Seconds(15)), 0);
  std::vector<std::string> watching = sync_args_;
  watching.push_back("--webhook_public_url=" + webhook_base_);
  watching.push_back("--crm_watch_lifetime=8s");
  sync_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-sync", watching);
  ASSERT_NE(sync_.channel, nullptr);
  v1::WatchCrmTasksResponse response;
  ASSERT_NO_FATAL_FAILURE(WatchCrmTasks(&response));
  const int64_t channel_id = response.channel_id();

  const nlohmann::json registered =
      WatchedChannel(*sim_, channel_id, [](const nlohmann::json& c) { return !c.is_null(); });
  ASSERT_FALSE(registered.is_null());
  EXPECT_EQ(registered["notify_url"], webhook_base_ + "/webhooks/crm?portal_id=" + portal_);
  EXPECT_EQ(registered["events"], nlohmann::json::array({"Tasks.all"}));
  const std::string task = Id(Control("/_sim/crm/Tasks", {{"Subject", "Call the customer"}}));
  Control("/_sim/crm/Tasks/" + task + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"Subject", "Call the customer back"}}}});
  EXPECT_TRUE(MetricsShow("crmsync_sync_webhook_requests_total{side=\"crm\",status=\"200\"} 1"));
  const std::string first_expiry = registered["channel_expiry"];
  const nlohmann::json renewed = WatchedChannel(*sim_, channel_id, [&](const nlohmann::json& c) {
    return !c.is_null() && c["channel_expiry"].get<std::string>() > first_expiry;
  });
  ASSERT_FALSE(renewed.is_null()) << "the channel was not renewed";

  auto token = sim_->MintAccessToken(kClientId, kClientSecret, refresh_token_);
  ASSERT_TRUE(token.ok()) << token.status();
  http::CurlHttpClient http;
  ASSERT_TRUE(zoho::CrmClient(http, sim_->base_url()).DisableWatch(*token, {channel_id}).ok());
  const nlohmann::json restored =
      WatchedChannel(*sim_, channel_id, [](const nlohmann::json& c) { return !c.is_null(); });
  ASSERT_FALSE(restored.is_null()) << "the dropped channel was not registered again";

  // The token of the channel registered again lets CRM's notifications in too.
  Control("/_sim/crm/Tasks/" + task + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"Subject", "Call the customer today"}}}});
  EXPECT_TRUE(MetricsShow("crmsync_sync_webhook_requests_total{side=\"crm\",status=\"200\"} 2"));
  const std::string metrics = SyncMetrics();
  EXPECT_THAT(metrics,
              Not(HasSubstr("crmsync_sync_webhook_requests_total{side=\"crm\",status=\"401\"}")));
  EXPECT_THAT(metrics, HasSubstr("crmsync_sync_watch_channel_renewals_total{result=\"failed\"} 0"));
}

// Webhooks past their bounds (ids a notification lists, parameters, headers, an id's length) are
// refused before anything is stored.
TEST_F(SyncIntegrationTest, WebhooksPastTheirBoundsAreRefusedAndNothingIsStored) {
  const std::string projects_secret = IssueWebhookSecret(common::v1::SIDE_PROJECTS);
  const std::string crm_secret = IssueWebhookSecret(common::v1::SIDE_CRM);
  const auto crm = [&](int id_count) {
    nlohmann::json ids = nlohmann::json::array();
    for (int i = 0; i < id_count; ++i) ids.push_back(absl::StrCat(6000000000000 + i));
    return nlohmann::json{
        {"server_time", 1764500000000}, {"module", "Tasks"},          {"ids", ids},
        {"operation", "update"},        {"channel_id", "1000000001"}, {"token", crm_secret}}
        .dump();
  };
  const std::string json = "application/json";
  EXPECT_EQ(PostWebhook("/webhooks/crm?portal_id=" + portal_, json, crm(1001)), 400);
  EXPECT_EQ(PostWebhook("/webhooks/crm?portal_id=" + std::string(65, '7'), json, crm(1)), 400);

  http::Params form = {{"event", "task_update"},
                       {"portal_id", portal_},
                       {"project_id", "1700000000001"},
                       {"task_id", "1700000000002"},
                       {"crmsync_secret", projects_secret}};
  for (int i = 0; i < 100; ++i) form.emplace_back(absl::StrCat("extra", i), "x");
  EXPECT_EQ(PostWebhook("/webhooks/projects", "application/x-www-form-urlencoded",
                        http::FormEncode(form)),
            400);

  http::Request many_headers{.method = http::Method::kPost,
                             .url = webhook_base_ + "/webhooks/crm?portal_id=" + portal_,
                             .headers = {{"Content-Type", json}},
                             .body = crm(1)};
  for (int i = 0; i < 100; ++i) many_headers.headers.emplace_back(absl::StrCat("X-Extra-", i), "x");
  auto answer = http::CurlHttpClient().Send(many_headers);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 431);

  PgInboxStore inbox(*pool_);
  EXPECT_TRUE(absl::IsNotFound(inbox.GetRequest(1).status()));
}

// A comment a person adds to the linked task in Projects reaches sync through the webhook: it is
// read back from Projects and its copy, signed with the author's name, is queued for CRM.
TEST_F(SyncIntegrationTest, ACommentInProjectsArrivesThroughTheWebhook) {
  LinkedTasksWithProjectsWebhooks();
  Control("/_sim/projects/portals/" + portal_ + "/users",
          {{"name", "Ana Lima"}, {"email", kAdmin}});
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/comments",
          {{"user_email", kAdmin}, {"content", "Invoices moved"}});
  EXPECT_TRUE(
      MetricsShow("crmsync_sync_comments_total{origin=\"projects\",outcome=\"applied\"} 1"));
  EXPECT_EQ(OnlyQueuedCommentCopy(Side::kCrm), "Invoices moved\n\n— Ana Lima (via Zoho Projects)");
}

// Requests that are not Zoho's, or not well formed, are refused with their status and leave
// nothing in the inbox.
TEST_F(SyncIntegrationTest, AbusedWebhooksAreRefusedAndNothingIsStored) {
  const std::string projects_secret = IssueWebhookSecret(common::v1::SIDE_PROJECTS);
  const std::string crm_secret = IssueWebhookSecret(common::v1::SIDE_CRM);
  const std::string form = "application/x-www-form-urlencoded";
  const auto projects = [&](const std::string& portal, const std::string& secret,
                            const std::string& event) {
    return http::FormEncode({{"event", event},
                             {"portal_id", portal},
                             {"project_id", "1700000000001"},
                             {"task_id", "1700000000002"},
                             {"crmsync_secret", secret}});
  };
  EXPECT_EQ(PostWebhook("/webhooks/projects", form, projects(portal_, crm_secret, "task_update")),
            401);
  EXPECT_EQ(PostWebhook("/webhooks/projects", form, projects(portal_, "", "task_update")), 401);
  EXPECT_EQ(PostWebhook("/webhooks/projects", form,
                        projects("9999999999", projects_secret, "task_update")),
            404);
  EXPECT_EQ(
      PostWebhook("/webhooks/projects", form, projects(portal_, projects_secret, "task_renamed")),
      400);
  EXPECT_EQ(PostWebhook("/webhooks/projects", form,
                        projects(portal_, projects_secret, "task_update") +
                            "&description=" + std::string(1 << 20, 'a')),
            413);

  const auto crm = [&](const std::string& token) {
    return nlohmann::json{{"server_time", 1764500000000},
                          {"query_params", nlohmann::json::object()},
                          {"module", "Tasks"},
                          {"resource_uri", "https://www.zohoapis.com/crm/v2/Tasks"},
                          {"ids", {"6000000012345"}},
                          {"affected_fields", nlohmann::json::array()},
                          {"operation", "update"},
                          {"channel_id", "1000000001"},
                          {"token", token}}
        .dump();
  };
  const std::string json = "application/json";
  EXPECT_EQ(PostWebhook("/webhooks/crm?portal_id=" + portal_, json, crm(projects_secret)), 401);
  EXPECT_EQ(PostWebhook("/webhooks/crm?portal_id=9999999999", json, crm(crm_secret)), 404);
  EXPECT_EQ(PostWebhook("/webhooks/crm?portal_id=" + portal_, json, "{\"ids\": [1,"), 400);
  EXPECT_EQ(PostWebhook("/webhooks/crm", json, crm(crm_secret)), 400);
  EXPECT_EQ(PostWebhook("/webhooks/crm?portal_id=" + portal_, json,
                        crm(crm_secret) + std::string(1 << 20, ' ')),
            413);

  PgInboxStore inbox(*pool_);
  EXPECT_TRUE(absl::IsNotFound(inbox.GetRequest(1).status()));
  const std::string metrics = SyncMetrics();
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_webhook_requests_total{side=\"projects\",status=\"401\"} 2"));
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_webhook_requests_total{side=\"crm\",status=\"413\"} 1"));
  // The checks let Zoho's real request in, naming its portal in the notify_url's parameters
  // that CRM echoes.
  nlohmann::json echoed = nlohmann::json::parse(crm(crm_secret));
  echoed["query_params"] = {{"portal_id", portal_}};
  EXPECT_EQ(PostWebhook("/webhooks/crm", json, echoed.dump()), 200);
  EXPECT_TRUE(inbox.GetRequest(1).ok());
}

// Linda adds a note to the linked task in CRM: it is accepted, and its copy, signed with her name,
// waits on the outbox for Projects.
TEST_F(SyncIntegrationTest, ACrmNoteOnALinkedTaskIsQueuedForProjects) {
  LinkedTasks("Open");
  v1::SubmitCommentRequest request;
  v1::CommentChange* note = request.mutable_comment();
  note->set_portal_id(portal_);
  note->set_origin_side(common::v1::SIDE_CRM);
  note->set_event_id("note-6000000099999");
  note->set_task_id("6000000012345");
  note->set_comment_id("6000000099999");
  note->set_action(v1::COMMENT_ACTION_ADD);
  note->set_content("Customer confirmed the cut-over date.");
  note->mutable_author()->set_email("linda@example.com");
  note->mutable_author()->set_display_name("Linda Smith");
  *note->mutable_source_modified_time() = TimeUtil::GetCurrentTime();
  v1::SubmitCommentResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  const grpc::Status status = stub_->SubmitComment(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.outcome().result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(response.outcome().link().projects_task_id(), parent_);

  EXPECT_EQ(OnlyQueuedCommentCopy(Side::kProjects),
            "Customer confirmed the cut-over date.\n\n— Linda Smith (via Zoho CRM)");
}

}  // namespace
}  // namespace crmsync::sync

// SyncService over an in-process gRPC channel on a real PostgreSQL, with the portal settings,
// user links and Projects state served from in-memory records: what a caller sees of
// SubmitChange, BatchSubmitChanges, CheckChange, GetTaskSyncState and ListFailures — outcomes,
// status codes and messages — and what each leaves recorded.
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "prometheus/registry.h"
#include "services/sync/pipeline.h"
#include "services/sync/store/pg_delivery_store.h"
#include "services/sync/store/pg_store.h"
#include "services/sync/sync_server.h"
#include "tests/services/sync/builders.h"
#include "tests/services/sync/fake_reads.h"
#include "tests/services/sync/outbox_writes.h"
#include "tests/services/sync/test_pool.h"

namespace crmsync::sync {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

const absl::Time kStart = absl::FromUnixSeconds(1795424400);
constexpr char kPortal[] = "750000000000001";
constexpr char kProject[] = "1700000000001";
constexpr char kProjectsTask[] = "1700000000042";
constexpr char kCrmTask[] = "6000000012345";
constexpr char kProjectsSubtask[] = "1700000000043";
constexpr char kCrmSubtask[] = "6000000012346";

google::protobuf::Timestamp MinutesIn(int minutes) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(testing::At(minutes)));
}

// A change to the linked task from `side` at At(minutes), without fields.
v1::TaskChange Change(common::v1::Side side, std::string event_id, int minutes = 5) {
  v1::TaskChange change;
  change.set_portal_id(kPortal);
  change.set_origin_side(side);
  change.set_event_id(std::move(event_id));
  change.set_task_id(side == common::v1::SIDE_CRM ? kCrmTask : kProjectsTask);
  change.mutable_actor()->set_user_id("4000000000007");
  change.mutable_actor()->set_email("george@example.com");
  *change.mutable_source_modified_time() = MinutesIn(minutes);
  return change;
}

v1::TaskChange WithEndDate(v1::TaskChange change, int year, int month, int day) {
  change.mutable_fields()->mutable_end_date()->set_year(year);
  change.mutable_fields()->mutable_end_date()->set_month(month);
  change.mutable_fields()->mutable_end_date()->set_day(day);
  return change;
}

class SyncServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Long enough that a wait for a task's lock ends by the caller's deadline, not the pool's.
    auto pool = MakeSyncTestPool(8, absl::Minutes(5));
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgStore>(*pool_.pool);
    portals_.portals[kPortal] = {testing::DocumentedDefaultMaps(), RejectionPolicy::kReportOnly};
    projects_.projects[{kPortal, kProject}] = {"Data Migration", absl::CivilDay(2025, 6, 1),
                                               absl::CivilDay(2025, 6, 30), true};
    TaskLink link;
    link.portal_id = kPortal;
    link.project_id = kProject;
    link.projects_task_id = kProjectsTask;
    link.crm_task_id = kCrmTask;
    link.crm_module = CrmModule::kAccounts;
    link.crm_record_id = "6000000000077";
    link.state = LinkState::kActive;
    const CanonicalTask canonical = {
        {Field::kTitle, testing::State(std::string("Migrate data"), 1, testing::At(0))},
        {Field::kEndDate, testing::State(EndDate(absl::CivilDay(2025, 6, 20)), 1, testing::At(0))},
        {Field::kStatus, testing::State(TaskStatus::kClosed, 1, testing::At(0))}};
    ASSERT_TRUE(store_->CreateLink(link, canonical, kStart).ok());
    link.projects_task_id = kProjectsSubtask;
    link.crm_task_id = kCrmSubtask;
    link.projects_parent_task_id = kProjectsTask;
    ASSERT_TRUE(store_->CreateLink(link, canonical, kStart).ok());

    pipeline_ =
        std::make_unique<ChangePipeline>(*store_, portals_, users_, projects_, clock_, metrics_);
    server_ = std::make_unique<SyncServer>(*pipeline_, *store_, clock_, metrics_);
    grpc::ServerBuilder builder;
    builder.RegisterService(server_.get());
    grpc_server_ = builder.BuildAndStart();
    stub_ = v1::SyncService::NewStub(grpc_server_->InProcessChannel({}));
  }
  void TearDown() override {
    if (grpc_server_) grpc_server_->Shutdown();
  }

  grpc::Status Submit(const v1::TaskChange& change, v1::ChangeOutcome* outcome) {
    v1::SubmitChangeRequest request;
    *request.mutable_change() = change;
    v1::SubmitChangeResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub_->SubmitChange(&context, request, &response);
    *outcome = response.outcome();
    return status;
  }

  v1::ChangeOutcome MustSubmit(const v1::TaskChange& change) {
    v1::ChangeOutcome outcome;
    const grpc::Status status = Submit(change, &outcome);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return outcome;
  }

  v1::TaskSyncState State(common::v1::Side side = common::v1::SIDE_PROJECTS,
                          const std::string& task_id = kProjectsTask) {
    v1::GetTaskSyncStateRequest request;
    request.set_portal_id(kPortal);
    request.mutable_task()->set_side(side);
    request.mutable_task()->set_task_id(task_id);
    v1::GetTaskSyncStateResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub_->GetTaskSyncState(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.state();
  }

  v1::ListFailuresResponse Failures(int page_size = 0, const std::string& token = "") {
    v1::ListFailuresRequest request;
    request.set_portal_id(kPortal);
    request.set_page_size(page_size);
    request.set_page_token(token);
    v1::ListFailuresResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub_->ListFailures(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // The value of one series of a counter family, 0 when absent.
  double Counter(const std::string& name, const std::map<std::string, std::string>& labels) {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        std::map<std::string, std::string> have;
        for (const auto& label : metric.label) have[label.name] = label.value;
        if (have == labels) return metric.counter.value;
      }
    }
    return 0;
  }

  FakeClock clock_{kStart};
  prometheus::Registry registry_;
  SyncMetrics metrics_{registry_};
  testing::FakePortals portals_;
  testing::FakeUsers users_;
  testing::FakeProjects projects_;
  SyncTestPool pool_;
  std::unique_ptr<PgStore> store_;
  std::unique_ptr<ChangePipeline> pipeline_;
  std::unique_ptr<SyncServer> server_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<v1::SyncService::Stub> stub_;
};

TEST_F(SyncServerTest, AProjectsTitleChangeIsAppliedOnceAndItsRepeatIsADuplicate) {
  v1::TaskChange change = Change(common::v1::SIDE_PROJECTS, "title-1");
  change.mutable_fields()->set_title("Migrate data (phase 2)");
  const v1::ChangeOutcome outcome = MustSubmit(change);
  EXPECT_EQ(outcome.result(), v1::OUTCOME_APPLIED);
  ASSERT_THAT(outcome.fields(), SizeIs(1));
  EXPECT_EQ(outcome.fields(0).field(), v1::TASK_FIELD_TITLE);
  EXPECT_EQ(outcome.fields(0).result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(outcome.fields(0).version(), 2);
  EXPECT_FALSE(outcome.change_id().empty());
  EXPECT_EQ(outcome.link().crm_task_id(), kCrmTask);
  EXPECT_EQ(outcome.link().state(), v1::LINK_STATE_ACTIVE);
  EXPECT_EQ(projects_.reads, 0);  // a Projects change checks no rule

  const v1::TaskSyncState state = State(common::v1::SIDE_CRM, kCrmTask);
  ASSERT_THAT(state.fields(), SizeIs(6));
  EXPECT_EQ(state.fields(0).field(), v1::TASK_FIELD_TITLE);
  EXPECT_EQ(state.fields(0).value().text(), "Migrate data (phase 2)");
  EXPECT_EQ(state.fields(0).version(), 2);
  EXPECT_EQ(state.fields(0).source_side(), common::v1::SIDE_PROJECTS);
  EXPECT_EQ(state.fields(0).source_event_id(), "title-1");
  EXPECT_EQ(state.fields(1).field(), v1::TASK_FIELD_DESCRIPTION);
  EXPECT_FALSE(state.fields(1).has_value());

  change.mutable_fields()->set_title("Something else");
  const v1::ChangeOutcome repeat = MustSubmit(change);
  EXPECT_EQ(repeat.result(), v1::OUTCOME_DUPLICATE);
  EXPECT_EQ(repeat.first_result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(repeat.change_id(), outcome.change_id());
  EXPECT_EQ(State().fields(0).value().text(), "Migrate data (phase 2)");

  EXPECT_EQ(Counter("crmsync_sync_changes_total", {{"origin", "projects"}, {"outcome", "applied"}}),
            1);
  EXPECT_EQ(
      Counter("crmsync_sync_changes_total", {{"origin", "projects"}, {"outcome", "duplicate"}}), 1);
  EXPECT_EQ(
      Counter("crmsync_sync_field_outcomes_total", {{"field", "title"}, {"result", "applied"}}), 1);
}

TEST_F(SyncServerTest, StaleAndEchoChangesApplyNothing) {
  v1::TaskChange older = Change(common::v1::SIDE_CRM, "old", -10);
  older.mutable_fields()->set_title("Older title");
  const v1::ChangeOutcome stale = MustSubmit(older);
  EXPECT_EQ(stale.result(), v1::OUTCOME_STALE);
  v1::TaskChange same = Change(common::v1::SIDE_CRM, "same");
  same.mutable_fields()->set_title("Migrate data");
  EXPECT_EQ(MustSubmit(same).result(), v1::OUTCOME_ECHO);
  EXPECT_EQ(State().fields(0).version(), 1);
  EXPECT_TRUE(stale.change_id().empty());
}

TEST_F(SyncServerTest, AMalformedChangeIsInvalidArgumentNamingTheFieldAndRecordsNothing) {
  v1::TaskChange change = Change(common::v1::SIDE_PROJECTS, "");
  change.mutable_fields()->set_title("No event id");
  v1::ChangeOutcome outcome;
  const grpc::Status status = Submit(change, &outcome);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("change.event_id"));
  EXPECT_EQ(State().fields(0).version(), 1);
}

TEST_F(SyncServerTest, APortalMappingDoesNotKnowIsNotFound) {
  v1::TaskChange change = Change(common::v1::SIDE_PROJECTS, "e1");
  change.set_portal_id("750000000000009");
  change.mutable_fields()->set_title("Elsewhere");
  v1::ChangeOutcome outcome;
  EXPECT_EQ(Submit(change, &outcome).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(SyncServerTest, ACrmEndDateBeyondAStrictScheduleIsRejectedAndRecorded) {
  const v1::TaskChange change = WithEndDate(Change(common::v1::SIDE_CRM, "due-1"), 2025, 7, 15);
  const v1::ChangeOutcome outcome = MustSubmit(change);
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_DUE_DATE_BEYOND_STRICT_SCHEDULE);
  EXPECT_EQ(outcome.message(),
            "End date 2025-07-15 is after the end of strict project Data Migration (2025-06-30)");
  EXPECT_FALSE(outcome.failure_id().empty());
  EXPECT_TRUE(outcome.change_id().empty());

  const v1::TaskSyncState state = State();
  EXPECT_EQ(state.fields(2).value().date().day(), 20);
  EXPECT_EQ(state.fields(2).version(), 1);

  const v1::ListFailuresResponse failures = Failures();
  ASSERT_THAT(failures.failures(), SizeIs(1));
  const v1::Failure& failure = failures.failures(0);
  EXPECT_EQ(failure.failure_id(), outcome.failure_id());
  EXPECT_EQ(failure.reason(), v1::FAILURE_REASON_DUE_DATE_BEYOND_STRICT_SCHEDULE);
  EXPECT_EQ(failure.field(), v1::TASK_FIELD_END_DATE);
  EXPECT_EQ(failure.attempted_value().date().month(), 7);
  EXPECT_EQ(failure.kept_value().date().day(), 20);
  EXPECT_EQ(failure.actor().email(), "george@example.com");
  EXPECT_EQ(failure.crm_task_id(), kCrmTask);
  EXPECT_EQ(Counter("crmsync_sync_rule_rejections_total",
                    {{"reason", "due_date_beyond_strict_schedule"}}),
            1);
}

TEST_F(SyncServerTest, WhenProjectsCannotBeReadTheChangeIsNotGuessedAndARetryIsSafe) {
  const v1::TaskChange change = WithEndDate(Change(common::v1::SIDE_CRM, "due-2"), 2025, 6, 30);
  projects_.error = absl::UnavailableError("Zoho Projects answered 503");
  v1::ChangeOutcome outcome;
  grpc::Status status = Submit(change, &outcome);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  projects_.error = absl::FailedPreconditionError("no ACTIVE Zoho Projects grant for the portal");
  status = Submit(change, &outcome);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(State().fields(2).version(), 1);
  EXPECT_THAT(Failures().failures(), IsEmpty());

  EXPECT_EQ(
      Counter("crmsync_sync_rule_reads_total", {{"read", "schedule"}, {"result", "unavailable"}}),
      1);
  EXPECT_EQ(
      Counter("crmsync_sync_rule_reads_total", {{"read", "schedule"}, {"result", "no_grant"}}), 1);

  projects_.error = absl::OkStatus();
  const v1::ChangeOutcome retried = MustSubmit(change);
  EXPECT_EQ(retried.result(), v1::OUTCOME_APPLIED);  // the schedule's last day is inside it
  EXPECT_EQ(State().fields(2).value().date().day(), 30);
}

TEST_F(SyncServerTest, ReopeningASubtaskUnderAClosedParentIsRejected) {
  projects_.tasks[{kPortal, kProjectsTask}] = {"Migrate data", TaskStatus::kClosed};
  v1::TaskChange change = Change(common::v1::SIDE_CRM, "reopen-1");
  change.set_task_id(kCrmSubtask);
  change.mutable_fields()->set_side_status("In Progress");
  const v1::ChangeOutcome outcome = MustSubmit(change);
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_SUBTASK_PARENT_CLOSED);
  EXPECT_THAT(outcome.message(), HasSubstr("Migrate data"));
  EXPECT_EQ(State(common::v1::SIDE_CRM, kCrmSubtask).fields(4).value().status(),
            common::v1::TASK_STATUS_CLOSED);

  projects_.tasks[{kPortal, kProjectsTask}].status = TaskStatus::kOpen;
  change.set_event_id("reopen-2");
  EXPECT_EQ(MustSubmit(change).result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(State(common::v1::SIDE_CRM, kCrmSubtask).fields(4).value().status(),
            common::v1::TASK_STATUS_OPEN);
}

TEST_F(SyncServerTest, AnOwnerIsTranslatedThroughTheUserLinksOrRejectedAsUnknown) {
  users_.users[{kPortal, Side::kCrm, "4000000000009"}] = {"ana@example.com", "4000000000009",
                                                          "1800000000009", "Ana Lima"};
  v1::TaskChange change = Change(common::v1::SIDE_CRM, "owner-1");
  change.mutable_fields()->set_owner_user_id("4000000000009");
  EXPECT_EQ(MustSubmit(change).result(), v1::OUTCOME_APPLIED);
  const v1::Owner owner = State().fields(5).value().owner();
  EXPECT_EQ(owner.projects_user_id(), "1800000000009");
  EXPECT_EQ(owner.email(), "ana@example.com");

  change.set_event_id("owner-2");
  change.mutable_fields()->set_owner_user_id("4000000000010");
  const v1::ChangeOutcome unknown = MustSubmit(change);
  EXPECT_EQ(unknown.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(unknown.reason(), v1::FAILURE_REASON_UNKNOWN_OWNER);
  EXPECT_EQ(State().fields(5).value().owner().crm_user_id(), "4000000000009");
}

TEST_F(SyncServerTest, CheckChangeAnswersWhatSubmitWouldAndWritesNothing) {
  v1::CheckChangeRequest request;
  *request.mutable_change() = Change(common::v1::SIDE_PROJECTS, "");
  request.mutable_change()->mutable_fields()->set_title("Checked title");
  v1::CheckChangeResponse response;
  grpc::ClientContext context;
  const grpc::Status status = stub_->CheckChange(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.outcome().result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(response.outcome().fields(0).version(), 2);
  EXPECT_TRUE(response.outcome().change_id().empty());
  EXPECT_EQ(State().fields(0).version(), 1);

  v1::CheckChangeRequest rejected;
  *rejected.mutable_change() = WithEndDate(Change(common::v1::SIDE_CRM, "due-3"), 2025, 5, 31);
  v1::CheckChangeResponse rejected_response;
  grpc::ClientContext rejected_context;
  ASSERT_TRUE(stub_->CheckChange(&rejected_context, rejected, &rejected_response).ok());
  EXPECT_EQ(rejected_response.outcome().reason(),
            v1::FAILURE_REASON_DUE_DATE_BEYOND_STRICT_SCHEDULE);
  EXPECT_TRUE(rejected_response.outcome().failure_id().empty());
  EXPECT_THAT(Failures().failures(), IsEmpty());
  // Checked, never submitted: the same event id is still new to SubmitChange.
  EXPECT_EQ(MustSubmit(rejected.change()).result(), v1::OUTCOME_REJECTED);
}

TEST_F(SyncServerTest, ABatchIsValidatedWholeThenProcessedInOrder) {
  v1::BatchSubmitChangesRequest request;
  v1::TaskChange first = Change(common::v1::SIDE_PROJECTS, "b-1", 5);
  first.mutable_fields()->set_title("First");
  v1::TaskChange second = Change(common::v1::SIDE_PROJECTS, "b-2", 6);
  second.mutable_fields()->set_title("Second");
  v1::TaskChange malformed = second;
  malformed.clear_actor();
  *request.add_changes() = first;
  *request.add_changes() = malformed;
  v1::BatchSubmitChangesResponse response;
  {
    grpc::ClientContext context;
    const grpc::Status status = stub_->BatchSubmitChanges(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), StartsWith("changes[1].actor"));
  }
  EXPECT_EQ(State().fields(0).version(), 1);

  request.Clear();
  *request.add_changes() = first;
  *request.add_changes() = second;
  *request.add_changes() = first;
  grpc::ClientContext context;
  const grpc::Status status = stub_->BatchSubmitChanges(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_THAT(response.outcomes(), SizeIs(3));
  EXPECT_EQ(response.outcomes(0).fields(0).version(), 2);
  EXPECT_EQ(response.outcomes(1).fields(0).version(), 3);
  EXPECT_EQ(response.outcomes(2).result(), v1::OUTCOME_DUPLICATE);
  EXPECT_EQ(State().fields(0).value().text(), "Second");

  request.Clear();
  for (int i = 0; i < 101; ++i) *request.add_changes() = first;
  grpc::ClientContext too_many;
  EXPECT_EQ(stub_->BatchSubmitChanges(&too_many, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(SyncServerTest, ABatchStopsAtAChangeThatCannotBeReadAndKeepsTheEarlierOnes) {
  v1::BatchSubmitChangesRequest request;
  v1::TaskChange title = Change(common::v1::SIDE_PROJECTS, "b-1");
  title.mutable_fields()->set_title("Applied first");
  *request.add_changes() = title;
  *request.add_changes() = WithEndDate(Change(common::v1::SIDE_CRM, "b-2"), 2025, 6, 10);
  projects_.error = absl::UnavailableError("Zoho Projects answered 503");
  v1::BatchSubmitChangesResponse response;
  grpc::ClientContext context;
  const grpc::Status status = stub_->BatchSubmitChanges(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), StartsWith("changes[1]: "));
  EXPECT_THAT(status.error_message(), HasSubstr("(changes 0..0 were processed)"));
  EXPECT_EQ(State().fields(0).value().text(), "Applied first");
  EXPECT_EQ(State().fields(2).version(), 1);
}

TEST_F(SyncServerTest, FailuresPageNewestFirstWithATokenBoundToTheirFilter) {
  for (int i = 0; i < 3; ++i) {
    MustSubmit(WithEndDate(Change(common::v1::SIDE_CRM, absl::StrCat("late-", i)), 2025, 8, 1 + i));
    clock_.Advance(absl::Seconds(1));
  }
  const v1::ListFailuresResponse first = Failures(2);
  ASSERT_THAT(first.failures(), SizeIs(2));
  EXPECT_EQ(first.failures(0).event_id(), "late-2");
  EXPECT_EQ(first.failures(1).event_id(), "late-1");
  ASSERT_FALSE(first.next_page_token().empty());
  const v1::ListFailuresResponse second = Failures(2, first.next_page_token());
  ASSERT_THAT(second.failures(), SizeIs(1));
  EXPECT_EQ(second.failures(0).event_id(), "late-0");
  EXPECT_TRUE(second.next_page_token().empty());

  v1::ListFailuresRequest other;
  other.set_portal_id(kPortal);
  other.set_reason(v1::FAILURE_REASON_UNKNOWN_OWNER);
  other.set_page_token(first.next_page_token());
  v1::ListFailuresResponse response;
  grpc::ClientContext context;
  const grpc::Status status = stub_->ListFailures(&context, other, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("page_token"));
}

TEST_F(SyncServerTest, AnotherPortalNeverSeesThisPortalsTasks) {
  v1::GetTaskSyncStateRequest request;
  request.set_portal_id("750000000000002");
  request.mutable_task()->set_side(common::v1::SIDE_PROJECTS);
  request.mutable_task()->set_task_id(kProjectsTask);
  v1::GetTaskSyncStateResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(stub_->GetTaskSyncState(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(SyncServerTest, RpcsNotBuiltAnswerUnimplemented) {
  v1::SubmitCommentRequest request;
  v1::SubmitCommentResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(stub_->SubmitComment(&context, request, &response).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(SyncServerTest, TheCallersDeadlineEndsAChangeWaitingForTheTasksLockAndNothingIsRecorded) {
  v1::TaskChange change = Change(common::v1::SIDE_PROJECTS, "title-locked");
  change.mutable_fields()->set_title("Migrate data (phase 2)");
  pqxx::connection holder_connection(pool_.database->url());
  auto holder = std::make_unique<pqxx::work>(holder_connection);
  holder->exec_params("SELECT link_id FROM sync.task_links WHERE projects_task_id = $1 FOR UPDATE",
                      std::string(kProjectsTask));
  {
    v1::SubmitChangeRequest request;
    *request.mutable_change() = change;
    v1::SubmitChangeResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    EXPECT_EQ(stub_->SubmitChange(&context, request, &response).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  // The server gave up too: no statement of the call is left waiting for the lock.
  pqxx::connection observer_connection(pool_.database->url());
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  for (;;) {
    pqxx::nontransaction observer(observer_connection);
    const int waiting =
        observer
            .exec_params1(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'")[0]
            .as<int>();
    if (waiting == 0) break;
    ASSERT_LT(absl::Now(), give_up) << "the change still waits for the task's lock";
    absl::SleepFor(absl::Milliseconds(20));
  }
  holder->abort();
  holder.reset();

  EXPECT_EQ(State().fields(0).version(), 1);
  const v1::ChangeOutcome retried = MustSubmit(change);
  EXPECT_EQ(retried.result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(State().fields(0).value().text(), "Migrate data (phase 2)");
  EXPECT_EQ(State().fields(0).version(), 2);
}

TEST_F(SyncServerTest, TheSyncStateShowsTheTasksWritesNotDeliveredAndItsLatestDeliveryPerSide) {
  auto link = testing::LinkIdOf(*pool_.pool, kProjectsTask);
  ASSERT_TRUE(link.ok()) << link.status();
  OutboxWrite write;
  write.kind = OutboxKind::kUpdateTask;
  write.target_side = Side::kCrm;
  write.link_id = *link;
  write.fields = {Field::kTitle, Field::kEndDate};
  write.origin_side = Side::kProjects;
  write.event_id = "e-1";
  write.accept_time = kStart;
  ASSERT_TRUE(
      testing::QueueWrites(*pool_.pool, {{"update:1", write}, {"update:2", write}}, kStart).ok());
  v1::TaskSyncState state = State();
  ASSERT_EQ(state.pending_size(), 2);
  EXPECT_EQ(state.pending(0).target_side(), common::v1::SIDE_CRM);
  EXPECT_EQ(state.pending(0).kind(), v1::OUTBOX_KIND_UPDATE_TASK);
  EXPECT_THAT(state.pending(0).fields(),
              ::testing::ElementsAre(v1::TASK_FIELD_TITLE, v1::TASK_FIELD_END_DATE));
  EXPECT_EQ(state.pending(0).state(), v1::OUTBOX_STATE_PENDING);
  EXPECT_EQ(state.deliveries_size(), 0);

  // A delivery worker delivers the first and gives up on the second.
  prometheus::Registry registry;
  work_queue::Metrics queue_metrics(registry);
  work_queue::PgWorkQueue outbox(*pool_.pool, kOutboxQueue, clock_, {}, queue_metrics,
                                 PgDeliveryStore::OutboxHooks([](const work_queue::Claim&) {
                                   return DeliveryFailure{FailureReason::kDeliveryRefused,
                                                          "Zoho CRM refused the update",
                                                          std::nullopt};
                                 }));
  auto claims = outbox.ClaimDue(10, 10, absl::Minutes(1));
  ASSERT_TRUE(claims.ok() && claims->size() == 2u) << claims.status();
  ASSERT_TRUE(outbox.Complete((*claims)[0], work_queue::Outcome::Done()).ok());
  state = State();
  ASSERT_EQ(state.pending_size(), 1);
  EXPECT_EQ(state.pending(0).state(), v1::OUTBOX_STATE_IN_FLIGHT);
  EXPECT_EQ(state.pending(0).attempts(), 1);
  ASSERT_TRUE(
      outbox.Complete((*claims)[1], work_queue::Outcome::Refused("HTTP 400 INVALID_DATA")).ok());
  state = State();
  EXPECT_EQ(state.pending_size(), 0);
  ASSERT_EQ(state.deliveries_size(), 1);
  EXPECT_EQ(state.deliveries(0).side(), common::v1::SIDE_CRM);
  EXPECT_EQ(state.deliveries(0).last_result(), v1::DELIVERY_RESULT_FAILED);
  EXPECT_EQ(state.deliveries(0).last_error(), "HTTP 400 INVALID_DATA");
  EXPECT_TRUE(state.deliveries(0).has_last_success_time());
}

}  // namespace
}  // namespace crmsync::sync

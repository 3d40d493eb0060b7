// SyncService over an in-process gRPC channel on a real PostgreSQL, with the portal settings,
// user links and Projects state served from in-memory records: what a caller sees of
// SubmitChange, BatchSubmitChanges, CheckChange, SubmitComment, AddTaskToCrm, GetTaskSyncState
// and ListFailures — outcomes, status codes and messages — and what each leaves recorded (for
// AddTaskToCrm, the CRM task's creation queued once on the outbox; for a portal's Resync, its
// tasks queued once). Resync's re-reads from Zoho are tested end to end with zoho-sim
// (sync_integration_test); here Zoho is unreachable.
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <pqxx/pqxx>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/work_queue/pg_work_queue.h"
#include "prometheus/registry.h"
#include "services/sync/ingest/resync.h"
#include "services/sync/method_roles.h"
#include "services/sync/outbox.h"
#include "services/sync/pipeline.h"
#include "services/sync/store/pg_delivery_store.h"
#include "services/sync/store/pg_resync_queue.h"
#include "services/sync/store/pg_store.h"
#include "services/sync/sync_server.h"
#include "tests/services/sync/builders.h"
#include "tests/services/sync/fake_reads.h"
#include "tests/services/sync/outbox_writes.h"
#include "tests/services/sync/test_pool.h"
#include "tests/support/callers/callers.h"

namespace crmsync::sync {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
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

// Zoho out of reach: every read is UNAVAILABLE.
class UnreachableZoho : public IngestSource {
 public:
  absl::StatusOr<std::vector<zoho::CrmTask>> CrmTasks(absl::string_view,
                                                      const std::vector<std::string>&,
                                                      absl::Time) override {
    return Unreachable();
  }
  absl::StatusOr<zoho::CrmPage<zoho::CrmNote>> CrmNotes(absl::string_view,
                                                        std::optional<absl::Time>, int,
                                                        absl::Time) override {
    return Unreachable();
  }
  absl::StatusOr<std::vector<zoho::CrmNote>> CrmTaskNotes(absl::string_view, absl::string_view,
                                                          absl::Time) override {
    return Unreachable();
  }
  absl::StatusOr<zoho::ProjectsTask> ProjectsTask(absl::string_view, absl::string_view,
                                                  absl::string_view, absl::Time) override {
    return Unreachable();
  }
  absl::StatusOr<std::vector<zoho::ProjectsComment>> ProjectsComments(absl::string_view,
                                                                      absl::string_view,
                                                                      absl::string_view,
                                                                      absl::Time) override {
    return Unreachable();
  }
  absl::StatusOr<std::vector<zoho::CrmTask>> CrmTasksModifiedSince(absl::string_view, absl::Time,
                                                                   absl::Time) override {
    return Unreachable();
  }
  absl::StatusOr<std::vector<zoho::CrmDeletedRecord>> CrmDeletedTasks(absl::string_view, absl::Time,
                                                                      absl::Time) override {
    return Unreachable();
  }
  absl::StatusOr<std::vector<zoho::ProjectsTask>> ProjectsTaskList(absl::string_view,
                                                                   absl::string_view,
                                                                   absl::Time) override {
    return Unreachable();
  }

 private:
  static absl::Status Unreachable() { return absl::UnavailableError("Zoho is not reachable"); }
};

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
    add_to_crm_ = std::make_unique<AddToCrm>(*store_, portals_, users_, directory_, projects_,
                                             grants_, clock_);
    resync_queue_ = std::make_unique<PgResyncQueue>(*pool_.pool);
    resyncer_ = std::make_unique<ZohoResyncer>(*store_, zoho_, *pipeline_, portals_, *resync_queue_,
                                               metrics_, clock_, absl::Minutes(1));
    server_ = std::make_unique<SyncServer>(*pipeline_, *store_, *add_to_crm_, *resyncer_, clock_,
                                           metrics_);
    grpc_server_ = std::make_unique<crmsync::testing::JudgedServer>(
        std::vector<grpc::Service*>{server_.get()}, SyncMethodRoles());
    stub_ = v1::SyncService::NewStub(grpc_server_->admin_channel());
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

  // Takes the linked task's row lock, as a change being recorded does, in a transaction on
  // `connection` that holds it until it ends.
  std::unique_ptr<pqxx::work> HoldTaskLock(pqxx::connection& connection) {
    auto holder = std::make_unique<pqxx::work>(connection);
    holder->exec_params(
        "SELECT link_id FROM sync.task_links WHERE projects_task_id = $1 FOR UPDATE",
        std::string(kProjectsTask));
    return holder;
  }

  // True once no statement of the test's database waits for a lock, false if one still does
  // after 10 s.
  bool NoStatementWaitsForALock() {
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
      if (waiting == 0) return true;
      if (absl::Now() >= give_up) return false;
      absl::SleepFor(absl::Milliseconds(20));  // polling pg_stat_activity, bounded above
    }
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
  testing::FakeDirectory directory_;
  testing::FakeGrants grants_;
  SyncTestPool pool_;
  std::unique_ptr<PgStore> store_;
  std::unique_ptr<ChangePipeline> pipeline_;
  std::unique_ptr<AddToCrm> add_to_crm_;
  UnreachableZoho zoho_;
  std::unique_ptr<PgResyncQueue> resync_queue_;
  std::unique_ptr<ZohoResyncer> resyncer_;
  std::unique_ptr<SyncServer> server_;
  std::unique_ptr<crmsync::testing::JudgedServer> grpc_server_;
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

// Two accepted changes, one from each side, then a rejection once the portal restores: the
// task's state lists the three writes oldest first, and follows a delivery worker's progress.
TEST_F(SyncServerTest, TheTaskSyncStateListsItsPendingWritesOldestFirst) {
  v1::TaskChange title = Change(common::v1::SIDE_PROJECTS, "title-1");
  title.mutable_fields()->set_title("Migrate data (phase 2)");
  ASSERT_EQ(MustSubmit(title).result(), v1::OUTCOME_APPLIED);
  clock_.Advance(absl::Seconds(1));
  ASSERT_EQ(MustSubmit(WithEndDate(Change(common::v1::SIDE_CRM, "due-1"), 2025, 6, 25)).result(),
            v1::OUTCOME_APPLIED);
  clock_.Advance(absl::Seconds(1));
  portals_.portals[kPortal].rejection_policy = RejectionPolicy::kReportAndRestore;
  ASSERT_EQ(MustSubmit(WithEndDate(Change(common::v1::SIDE_CRM, "due-2", 6), 2025, 7, 15)).result(),
            v1::OUTCOME_REJECTED);

  const v1::TaskSyncState state = State(common::v1::SIDE_CRM, kCrmTask);
  ASSERT_THAT(state.pending(), SizeIs(3));
  const v1::OutboxEntry& to_crm = state.pending(0);
  EXPECT_FALSE(to_crm.outbox_id().empty());
  EXPECT_EQ(to_crm.kind(), v1::OUTBOX_KIND_UPDATE_TASK);
  EXPECT_EQ(to_crm.target_side(), common::v1::SIDE_CRM);
  EXPECT_THAT(to_crm.fields(), ElementsAre(v1::TASK_FIELD_TITLE));
  EXPECT_EQ(to_crm.state(), v1::OUTBOX_STATE_PENDING);
  EXPECT_EQ(to_crm.attempts(), 0);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(to_crm.next_attempt_time()),
            absl::ToUnixMicros(kStart));
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(to_crm.create_time()), absl::ToUnixMicros(kStart));
  EXPECT_EQ(to_crm.last_error(), "");
  const v1::OutboxEntry& to_projects = state.pending(1);
  EXPECT_EQ(to_projects.target_side(), common::v1::SIDE_PROJECTS);
  EXPECT_THAT(to_projects.fields(), ElementsAre(v1::TASK_FIELD_END_DATE));
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(to_projects.create_time()),
            absl::ToUnixMicros(kStart + absl::Seconds(1)));
  // The end date CRM could not have is written back to CRM.
  const v1::OutboxEntry& restore = state.pending(2);
  EXPECT_EQ(restore.kind(), v1::OUTBOX_KIND_UPDATE_TASK);
  EXPECT_EQ(restore.target_side(), common::v1::SIDE_CRM);
  EXPECT_THAT(restore.fields(), ElementsAre(v1::TASK_FIELD_END_DATE));
  // The same task seen from Projects.
  EXPECT_THAT(State().pending(), SizeIs(3));

  // A delivery worker takes the task's writes: delivers the first, retries the second and is
  // still on the third.
  work_queue::Metrics queue_metrics(registry_);
  work_queue::PgWorkQueue outbox(*pool_.pool, kOutboxQueue, clock_, work_queue::RetryPolicy{},
                                 queue_metrics);
  auto claims = outbox.ClaimDue(1, 10, absl::Minutes(1));
  ASSERT_TRUE(claims.ok()) << claims.status();
  ASSERT_THAT(*claims, SizeIs(3));
  for (const work_queue::Claim& claim : *claims) {
    if (absl::StrCat(claim.item_id) == to_crm.outbox_id()) {
      ASSERT_TRUE(outbox.Complete(claim, work_queue::Outcome::Done()).ok());
    } else if (absl::StrCat(claim.item_id) == to_projects.outbox_id()) {
      ASSERT_TRUE(
          outbox.Complete(claim, work_queue::Outcome::Retry("Zoho Projects answered 503")).ok());
    }
  }
  const v1::TaskSyncState later = State();
  ASSERT_THAT(later.pending(), SizeIs(2));
  EXPECT_EQ(later.pending(0).outbox_id(), to_projects.outbox_id());
  EXPECT_EQ(later.pending(0).state(), v1::OUTBOX_STATE_PENDING);
  EXPECT_EQ(later.pending(0).attempts(), 1);
  EXPECT_EQ(later.pending(0).last_error(), "Zoho Projects answered 503");
  EXPECT_TRUE(later.pending(0).has_next_attempt_time());
  EXPECT_EQ(later.pending(1).outbox_id(), restore.outbox_id());
  EXPECT_EQ(later.pending(1).state(), v1::OUTBOX_STATE_IN_FLIGHT);
  EXPECT_EQ(later.pending(1).attempts(), 1);
  EXPECT_FALSE(later.pending(1).has_next_attempt_time());
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

TEST_F(SyncServerTest, RequestsPastTheirBoundsAreInvalidArgumentNamingTheFieldAndRecordNothing) {
  v1::TaskChange change = Change(common::v1::SIDE_PROJECTS, "too-long-title");
  change.mutable_fields()->set_title(std::string(1001, 't'));
  v1::ChangeOutcome outcome;
  const grpc::Status title = Submit(change, &outcome);
  EXPECT_EQ(title.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(title.error_message(), "change.fields.title: at most 1000 characters");
  EXPECT_EQ(State().fields(0).version(), 1);

  v1::AddTaskToCrmRequest add;
  add.set_portal_id(kPortal);
  add.set_project_id("1700000000001");
  add.set_projects_task_id("1700000000099");
  add.set_crm_account_id("6000000000001");
  add.mutable_actor()->set_display_name(std::string(256, 'n'));
  v1::AddTaskToCrmResponse added;
  grpc::ClientContext add_context;
  const grpc::Status actor = stub_->AddTaskToCrm(&add_context, add, &added);
  EXPECT_EQ(actor.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(actor.error_message(), "actor.display_name: at most 255 characters");

  v1::ListFailuresRequest list;
  list.set_portal_id(kPortal);
  list.set_page_token(std::string(4097, 'A'));
  v1::ListFailuresResponse failures;
  grpc::ClientContext list_context;
  const grpc::Status token = stub_->ListFailures(&list_context, list, &failures);
  EXPECT_EQ(token.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(token.error_message(), "page_token: at most 4096 characters");
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

grpc::Status Resync(v1::SyncService::Stub& stub, const v1::ResyncRequest& request,
                    v1::ResyncResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return stub.Resync(&context, request, response);
}

v1::ResyncRequest ResyncOf(std::string portal_id, common::v1::Side side, std::string task_id) {
  v1::ResyncRequest request;
  request.set_portal_id(std::move(portal_id));
  request.mutable_task()->set_side(side);
  request.mutable_task()->set_task_id(std::move(task_id));
  return request;
}

TEST_F(SyncServerTest, ResyncRefusesAnInvalidRequestNamingTheField) {
  v1::ResyncRequest no_scope;
  no_scope.set_portal_id(kPortal);
  v1::ResyncRequest not_all;
  not_all.set_portal_id(kPortal);
  not_all.set_all_tasks(false);
  const std::vector<std::pair<v1::ResyncRequest, std::string>> cases = {
      {ResyncOf("", common::v1::SIDE_CRM, kCrmTask), "portal_id"},
      {no_scope, "scope"},
      {not_all, "all_tasks"},
      {ResyncOf(kPortal, common::v1::SIDE_UNSPECIFIED, kCrmTask), "task.side"},
      {ResyncOf(kPortal, common::v1::SIDE_CRM, ""), "task.task_id"},
      {ResyncOf(kPortal, common::v1::SIDE_CRM, "not an id"), "task.task_id"}};
  for (const auto& [request, field] : cases) {
    v1::ResyncResponse response;
    const grpc::Status status = Resync(*stub_, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(status.error_message(), StartsWith(field + ":"));
  }
}

TEST_F(SyncServerTest, ResyncOfATaskNotLinkedIsNotFound) {
  v1::ResyncResponse response;
  const grpc::Status status =
      Resync(*stub_, ResyncOf(kPortal, common::v1::SIDE_CRM, "6000000099999"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("6000000099999 is not linked"));
}

TEST_F(SyncServerTest, AResyncThatCannotReadZohoChangesNothing) {
  v1::ResyncResponse response;
  const grpc::Status status =
      Resync(*stub_, ResyncOf(kPortal, common::v1::SIDE_PROJECTS, kProjectsTask), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  const v1::TaskSyncState state = State(common::v1::SIDE_CRM, kCrmTask);
  EXPECT_EQ(state.fields(0).version(), 1);
}

TEST_F(SyncServerTest, APortalsResyncQueuesEachLinkedTaskOnce) {
  v1::ResyncRequest request;
  request.set_portal_id(kPortal);
  request.set_all_tasks(true);
  v1::ResyncResponse response;
  ASSERT_TRUE(Resync(*stub_, request, &response).ok());
  EXPECT_EQ(response.tasks_queued(), 2);
  EXPECT_THAT(response.outcomes(), IsEmpty());
  EXPECT_FALSE(response.has_state());
  ASSERT_TRUE(Resync(*stub_, request, &response).ok());
  EXPECT_EQ(response.tasks_queued(), 0);

  pqxx::connection connection(pool_.database->url());
  pqxx::nontransaction tx(connection);
  const pqxx::result items = tx.exec(
      "SELECT payload FROM sync.work_items WHERE queue = 'sync_resync' AND state = 'PENDING' "
      "ORDER BY payload");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["payload"].as<std::string>(), absl::StrCat(kPortal, "\t", kProjectsTask));
  EXPECT_EQ(items[1]["payload"].as<std::string>(), absl::StrCat(kPortal, "\t", kProjectsSubtask));
}

TEST_F(SyncServerTest, APortalResyncedAgainAfterItsTasksAreDoneIsQueuedAgain) {
  v1::ResyncRequest request;
  request.set_portal_id(kPortal);
  request.set_all_tasks(true);
  v1::ResyncResponse response;
  ASSERT_TRUE(Resync(*stub_, request, &response).ok());
  ASSERT_EQ(response.tasks_queued(), 2);
  {
    pqxx::connection connection(pool_.database->url());
    pqxx::nontransaction tx(connection);
    tx.exec(
        "UPDATE sync.work_items SET state = 'DONE', next_attempt_at = NULL, finished_at = now() "
        "WHERE queue = 'sync_resync' AND payload LIKE '%\t" +
        std::string(kProjectsTask) + "'");
  }
  ASSERT_TRUE(Resync(*stub_, request, &response).ok());
  EXPECT_EQ(response.tasks_queued(), 1);
}

TEST_F(SyncServerTest, APortalNotConfiguredIsNotFoundForResync) {
  v1::ResyncRequest request;
  request.set_portal_id("750000000000999");
  request.set_all_tasks(true);
  v1::ResyncResponse response;
  EXPECT_EQ(Resync(*stub_, request, &response).error_code(), grpc::StatusCode::NOT_FOUND);
}

// Linda's note on the linked task in CRM.
v1::CommentChange Note(std::string event_id = "note-1") {
  v1::CommentChange comment;
  comment.set_portal_id(kPortal);
  comment.set_origin_side(common::v1::SIDE_CRM);
  comment.set_event_id(std::move(event_id));
  comment.set_task_id(kCrmTask);
  comment.set_comment_id("6000000099999");
  comment.set_action(v1::COMMENT_ACTION_ADD);
  comment.set_content("Customer confirmed the cut-over date.");
  comment.mutable_author()->set_user_id("4000000000008");
  comment.mutable_author()->set_email("linda@example.com");
  comment.mutable_author()->set_display_name("Linda Smith");
  *comment.mutable_source_modified_time() = MinutesIn(5);
  return comment;
}

class SubmitCommentTest : public SyncServerTest {
 protected:
  grpc::Status SubmitComment(const v1::CommentChange& comment,
                             v1::SubmitCommentResponse* response) {
    v1::SubmitCommentRequest request;
    *request.mutable_comment() = comment;
    grpc::ClientContext context;
    return stub_->SubmitComment(&context, request, response);
  }

  v1::ChangeOutcome MustSubmitComment(const v1::CommentChange& comment) {
    v1::SubmitCommentResponse response;
    const grpc::Status status = SubmitComment(comment, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.outcome();
  }

  // How many rows `table` of the sync schema holds.
  int Rows(const std::string& table) {
    pqxx::connection connection(pool_.database->url());
    pqxx::nontransaction tx(connection);
    return tx.exec1("SELECT count(*) FROM sync." + table)[0].as<int>();
  }
};

TEST_F(SubmitCommentTest, ANoteOnALinkedTaskIsCopiedOnceAndItsRepeatIsADuplicate) {
  const v1::ChangeOutcome outcome = MustSubmitComment(Note());
  EXPECT_EQ(outcome.result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(outcome.message(), "Copying the comment to Zoho Projects");
  EXPECT_THAT(outcome.fields(), IsEmpty());
  EXPECT_TRUE(outcome.failure_id().empty());
  EXPECT_TRUE(outcome.change_id().empty());
  EXPECT_EQ(outcome.link().projects_task_id(), kProjectsTask);
  EXPECT_EQ(outcome.link().state(), v1::LINK_STATE_ACTIVE);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(outcome.process_time()), absl::ToUnixMicros(kStart));
  EXPECT_EQ(Rows("comment_copies"), 1);
  EXPECT_EQ(Rows("work_items WHERE queue = 'sync_outbox'"), 1);

  clock_.Advance(absl::Minutes(1));
  const v1::ChangeOutcome repeat = MustSubmitComment(Note());
  EXPECT_EQ(repeat.result(), v1::OUTCOME_DUPLICATE);
  EXPECT_EQ(repeat.first_result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(repeat.link().crm_task_id(), kCrmTask);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(repeat.process_time()), absl::ToUnixMicros(kStart));
  EXPECT_EQ(Rows("work_items WHERE queue = 'sync_outbox'"), 1);

  EXPECT_EQ(Counter("crmsync_sync_comments_total", {{"origin", "crm"}, {"outcome", "applied"}}), 1);
  EXPECT_EQ(Counter("crmsync_sync_comments_total", {{"origin", "crm"}, {"outcome", "duplicate"}}),
            1);
  EXPECT_EQ(Counter("crmsync_sync_changes_total", {{"origin", "crm"}, {"outcome", "applied"}}), 0);
}

TEST_F(SubmitCommentTest, AMalformedCommentIsInvalidArgumentNamingTheFieldAndRecordsNothing) {
  const std::vector<std::pair<std::string, std::function<void(v1::CommentChange&)>>> cases = {
      {"comment.portal_id", [](v1::CommentChange& c) { c.clear_portal_id(); }},
      {"comment.origin_side", [](v1::CommentChange& c) { c.clear_origin_side(); }},
      {"comment.event_id", [](v1::CommentChange& c) { c.clear_event_id(); }},
      {"comment.task_id", [](v1::CommentChange& c) { c.set_task_id("6000 0012345"); }},
      {"comment.comment_id", [](v1::CommentChange& c) { c.clear_comment_id(); }},
      {"comment.action", [](v1::CommentChange& c) { c.clear_action(); }},
      {"comment.source_modified_time",
       [](v1::CommentChange& c) { c.clear_source_modified_time(); }},
      {"comment.author.email",
       [](v1::CommentChange& c) { c.mutable_author()->set_email("linda"); }},
  };
  for (const auto& [field, breaks] : cases) {
    v1::CommentChange comment = Note();
    breaks(comment);
    v1::SubmitCommentResponse response;
    const grpc::Status status = SubmitComment(comment, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(status.error_message(), StartsWith(field + ":"));
  }
  EXPECT_EQ(Rows("processed_events"), 0);
  EXPECT_EQ(Rows("comment_copies"), 0);
}

TEST_F(SubmitCommentTest, ACommentForAPortalMappingDoesNotKnowIsNotFound) {
  v1::CommentChange comment = Note();
  comment.set_portal_id("750000000000009");
  v1::SubmitCommentResponse response;
  const grpc::Status status = SubmitComment(comment, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), StartsWith("portal_id"));
  EXPECT_EQ(Rows("processed_events"), 0);
}

TEST_F(SubmitCommentTest, AnEmptyNoteIsRejectedAndListedAsAFailureOfTheTask) {
  v1::CommentChange comment = Note();
  comment.clear_content();
  const v1::ChangeOutcome outcome = MustSubmitComment(comment);
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_INVALID_VALUE);
  EXPECT_EQ(outcome.message(), "The comment cannot be empty");
  ASSERT_FALSE(outcome.failure_id().empty());
  EXPECT_EQ(Rows("comment_copies"), 0);

  const v1::ListFailuresResponse failures = Failures();
  ASSERT_THAT(failures.failures(), SizeIs(1));
  EXPECT_EQ(failures.failures(0).failure_id(), outcome.failure_id());
  EXPECT_EQ(failures.failures(0).field(), v1::TASK_FIELD_UNSPECIFIED);
  EXPECT_EQ(failures.failures(0).actor().email(), "linda@example.com");
  EXPECT_EQ(Counter("crmsync_sync_comments_total", {{"origin", "crm"}, {"outcome", "rejected"}}),
            1);
}

TEST_F(SubmitCommentTest, ANoteOnATaskNotLinkedIsRejectedWithoutAFailureOrALink) {
  v1::CommentChange comment = Note();
  comment.set_task_id("6000000099990");
  const v1::ChangeOutcome outcome = MustSubmitComment(comment);
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_TASK_NOT_LINKED);
  EXPECT_TRUE(outcome.failure_id().empty());
  EXPECT_FALSE(outcome.has_link());
  EXPECT_THAT(Failures().failures(), IsEmpty());
}

TEST_F(SyncServerTest, TheCallersDeadlineEndsAChangeWaitingForTheTasksLockAndNothingIsRecorded) {
  v1::TaskChange change = Change(common::v1::SIDE_PROJECTS, "title-locked");
  change.mutable_fields()->set_title("Migrate data (phase 2)");
  pqxx::connection holder_connection(pool_.database->url());
  auto holder = HoldTaskLock(holder_connection);
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
  ASSERT_TRUE(NoStatementWaitsForALock()) << "the change still waits for the task's lock";
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

TEST_F(SubmitCommentTest,
       TheCallersDeadlineEndsACommentWaitingForTheTasksLockAndNothingIsRecorded) {
  pqxx::connection holder_connection(pool_.database->url());
  auto holder = HoldTaskLock(holder_connection);
  {
    v1::SubmitCommentRequest request;
    *request.mutable_comment() = Note();
    v1::SubmitCommentResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    EXPECT_EQ(stub_->SubmitComment(&context, request, &response).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  ASSERT_TRUE(NoStatementWaitsForALock()) << "the comment still waits for the task's lock";
  holder->abort();
  holder.reset();

  EXPECT_EQ(Rows("processed_events"), 0);
  EXPECT_EQ(MustSubmitComment(Note()).result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(Rows("comment_copies"), 1);
}

// Tasks not linked yet, and the CRM records they may be attached to.
constexpr char kNewTask[] = "1700000000050";
constexpr char kNewSubtask[] = "1700000000051";
constexpr char kMappedAccount[] = "6000000000077";
constexpr char kProjectDeal[] = "6000000000501";
constexpr char kProjectsAna[] = "1800000000009";
constexpr char kCrmAna[] = "4000000000009";

// AddTaskToCrm of tasks not linked yet: the project Data Migration, whose client account Acme Corp
// is mapped to the CRM account kMappedAccount, has two deals; Ana owns the task in Projects and has
// a CRM user.
class AddToCrmTest : public SyncServerTest {
 protected:
  void SetUp() override {
    SyncServerTest::SetUp();
    directory_.projects[{kPortal, kProject}] = {"Data Migration", "1900000000003", "Acme Corp",
                                                kMappedAccount, "ACME Corp."};
    directory_.deals[{kPortal, kProject}] = {"6000000000500", kProjectDeal};
    users_.users[{kPortal, Side::kProjects, kProjectsAna}] = {"ana@example.com", kCrmAna,
                                                              kProjectsAna, "Ana Lima"};
    ProjectsTaskValues task;
    task.name = "Migrate data";
    task.description = "Move the 2019-2024 ledgers.";
    task.end_date = absl::CivilDay(2025, 6, 20);
    task.priority = "High";
    task.status_name = "In Review";  // not in the map: its status type decides
    task.status_type = TaskStatus::kOpen;
    task.owner = ProjectsOwner{kProjectsAna, "Ana Lima", "ana@example.com"};
    task.last_modified = testing::At(3);
    projects_.current_tasks[{kPortal, kNewTask}] = task;
  }

  // George asks to add `task_id` to CRM, attached to the mapped account.
  static v1::AddTaskToCrmRequest Request(const std::string& task_id = kNewTask) {
    v1::AddTaskToCrmRequest request;
    request.set_portal_id(kPortal);
    request.set_project_id(kProject);
    request.set_projects_task_id(task_id);
    request.set_crm_account_id(kMappedAccount);
    request.mutable_actor()->set_user_id("1800000000007");
    request.mutable_actor()->set_email("george@example.com");
    return request;
  }

  grpc::Status Add(const v1::AddTaskToCrmRequest& request, v1::TaskLink* link = nullptr) {
    v1::AddTaskToCrmResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub_->AddTaskToCrm(&context, request, &response);
    if (link != nullptr) *link = response.link();
    return status;
  }

  // An outbox item as the work queue holds it.
  struct QueuedItem {
    std::string key;
    std::string group;
    OutboxWrite write;
  };

  // Every item of the outbox queue, oldest first.
  std::vector<QueuedItem> Outbox() {
    pqxx::connection connection(pool_.database->url());
    pqxx::nontransaction tx(connection);
    std::vector<QueuedItem> items;
    for (const auto& row :
         tx.exec_params("SELECT item_key, group_key, payload FROM sync.work_items WHERE queue = $1 "
                        "ORDER BY item_id",
                        std::string(kOutboxQueue))) {
      auto write = DecodeOutboxWrite(row["payload"].as<std::string>());
      EXPECT_TRUE(write.ok()) << write.status();
      items.push_back({row["item_key"].as<std::string>(), row["group_key"].as<std::string>(),
                       write.ok() ? *write : OutboxWrite{}});
    }
    return items;
  }

  // The link ids of `task_id` (none or one).
  std::vector<int64_t> LinkIds(const std::string& task_id) {
    pqxx::connection connection(pool_.database->url());
    pqxx::nontransaction tx(connection);
    std::vector<int64_t> ids;
    for (const auto& row : tx.exec_params(
             "SELECT link_id FROM sync.task_links WHERE projects_task_id = $1", task_id)) {
      ids.push_back(row["link_id"].as<int64_t>());
    }
    return ids;
  }
};

TEST_F(AddToCrmTest, TheTaskIsLinkedPendingCreateWithItsProjectsValuesAndItsCreationQueuedOnce) {
  v1::TaskLink link;
  const grpc::Status status = Add(Request(), &link);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(link.state(), v1::LINK_STATE_PENDING_CREATE);
  EXPECT_EQ(link.crm_task_id(), "");
  EXPECT_EQ(link.projects_task_id(), kNewTask);
  EXPECT_EQ(link.project_id(), kProject);
  EXPECT_EQ(link.crm_parent().crm_module(), v1::CRM_MODULE_ACCOUNTS);
  EXPECT_EQ(link.crm_parent().record_id(), kMappedAccount);
  EXPECT_EQ(link.projects_parent_task_id(), "");

  const v1::TaskSyncState state = State(common::v1::SIDE_PROJECTS, kNewTask);
  EXPECT_EQ(state.link().state(), v1::LINK_STATE_PENDING_CREATE);
  ASSERT_THAT(state.fields(), SizeIs(6));
  for (const v1::FieldState& field : state.fields()) {
    EXPECT_EQ(field.version(), 1) << field.field();
    EXPECT_EQ(field.source_side(), common::v1::SIDE_PROJECTS) << field.field();
    EXPECT_EQ(absl::FromUnixSeconds(field.source_modified_time().seconds()), testing::At(3));
    EXPECT_EQ(field.source_event_id(), "add-to-crm");
  }
  EXPECT_EQ(state.fields(0).value().text(), "Migrate data");
  EXPECT_EQ(state.fields(1).value().text(), "Move the 2019-2024 ledgers.");
  EXPECT_EQ(state.fields(2).value().date().year(), 2025);
  EXPECT_EQ(state.fields(2).value().date().month(), 6);
  EXPECT_EQ(state.fields(2).value().date().day(), 20);
  EXPECT_EQ(state.fields(3).value().priority(), common::v1::PRIORITY_HIGH);
  EXPECT_EQ(state.fields(4).value().status(), common::v1::TASK_STATUS_OPEN);
  EXPECT_EQ(state.fields(5).value().owner().crm_user_id(), kCrmAna);
  EXPECT_EQ(state.fields(5).value().owner().projects_user_id(), kProjectsAna);
  EXPECT_EQ(state.fields(5).value().owner().email(), "ana@example.com");

  ASSERT_THAT(LinkIds(kNewTask), SizeIs(1));
  const int64_t link_id = LinkIds(kNewTask)[0];
  std::vector<QueuedItem> outbox = Outbox();
  ASSERT_THAT(outbox, SizeIs(1));
  EXPECT_EQ(outbox[0].key, absl::StrCat("create:", link_id));
  EXPECT_EQ(outbox[0].group, OutboxGroup(link_id));
  const OutboxWrite& write = outbox[0].write;
  EXPECT_EQ(write.kind, OutboxKind::kCreateTask);
  EXPECT_EQ(write.target_side, Side::kCrm);
  EXPECT_EQ(write.link_id, link_id);
  EXPECT_EQ(write.origin_side, Side::kProjects);
  EXPECT_EQ(write.actor.email, "george@example.com");
  EXPECT_EQ(write.accept_time, kStart);

  // A second request for the task links nothing more and queues nothing.
  const grpc::Status again = Add(Request());
  EXPECT_EQ(again.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(again.error_message(), absl::StrCat("projects_task_id: Projects task ", kNewTask,
                                                " is already linked to a CRM task that is being "
                                                "created"));
  EXPECT_THAT(Outbox(), SizeIs(1));
  EXPECT_THAT(LinkIds(kNewTask), SizeIs(1));
}

TEST_F(AddToCrmTest, ASubtaskAttachedToADealOfTheProjectKeepsItsParentAndAnOwnerWithoutCrmUser) {
  ProjectsTaskValues subtask = projects_.current_tasks[{kPortal, kNewTask}];
  subtask.name = "Move invoices";
  subtask.end_date.reset();
  subtask.priority = "None";
  subtask.status_name = "Closed";
  subtask.owner = ProjectsOwner{"1800000000011", "Ben Ode", "ben@example.com"};
  subtask.parent_task_id = kNewTask;
  projects_.current_tasks[{kPortal, kNewSubtask}] = subtask;
  v1::AddTaskToCrmRequest request = Request(kNewSubtask);
  request.set_crm_deal_id(kProjectDeal);
  v1::TaskLink link;
  const grpc::Status status = Add(request, &link);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(link.crm_parent().crm_module(), v1::CRM_MODULE_DEALS);
  EXPECT_EQ(link.crm_parent().record_id(), kProjectDeal);
  EXPECT_EQ(link.projects_parent_task_id(), kNewTask);

  const v1::TaskSyncState state = State(common::v1::SIDE_PROJECTS, kNewSubtask);
  EXPECT_EQ(state.fields(2).value().date().year(), 0);  // no end date
  EXPECT_EQ(state.fields(3).value().priority(), common::v1::PRIORITY_NONE);
  EXPECT_EQ(state.fields(4).value().status(), common::v1::TASK_STATUS_CLOSED);
  // Ben has no CRM user: CRM's default owner takes the task.
  const v1::Owner& owner = state.fields(5).value().owner();
  EXPECT_EQ(owner.crm_user_id(), "");
  EXPECT_EQ(owner.projects_user_id(), "1800000000011");
  EXPECT_EQ(owner.email(), "ben@example.com");
  EXPECT_THAT(Outbox(), SizeIs(1));
}

// What an error case may change beside the request.
struct Fakes {
  testing::FakeDirectory& directory;
  testing::FakeProjects& projects;
  testing::FakeGrants& grants;
};

// One error of AddTaskToCrm's list: how the request or the records are made to cause it, and the
// code and message the caller gets.
struct ErrorCase {
  std::string name;
  std::function<void(v1::AddTaskToCrmRequest&, Fakes&)> arrange;
  grpc::StatusCode code;
  std::string message;
};

// Names the case in gtest's messages.
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class AddToCrmErrorTest : public AddToCrmTest, public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(AddToCrmErrorTest, SaysWhichAndRecordsNothing) {
  v1::AddTaskToCrmRequest request = Request();
  Fakes fakes{directory_, projects_, grants_};
  GetParam().arrange(request, fakes);
  const grpc::Status status = Add(request);
  EXPECT_EQ(status.error_code(), GetParam().code) << status.error_message();
  EXPECT_EQ(status.error_message(), GetParam().message);
  EXPECT_THAT(LinkIds(kNewTask), IsEmpty());
  EXPECT_THAT(Outbox(), SizeIs(0));
}

const std::string kOfProject = absl::StrCat("project Data Migration (", kProject, ")");

INSTANTIATE_TEST_SUITE_P(
    Errors, AddToCrmErrorTest,
    ::testing::Values(
        ErrorCase{"NoPortalId", [](auto& r, auto&) { r.clear_portal_id(); },
                  grpc::StatusCode::INVALID_ARGUMENT, "portal_id: required"},
        ErrorCase{"MalformedProjectId", [](auto& r, auto&) { r.set_project_id("17 00"); },
                  grpc::StatusCode::INVALID_ARGUMENT, "project_id: only [0-9A-Za-z_-] allowed"},
        ErrorCase{"NoTaskId", [](auto& r, auto&) { r.clear_projects_task_id(); },
                  grpc::StatusCode::INVALID_ARGUMENT, "projects_task_id: required"},
        ErrorCase{"NoTarget", [](auto& r, auto&) { r.clear_target(); },
                  grpc::StatusCode::INVALID_ARGUMENT,
                  "target: crm_account_id or crm_deal_id is required"},
        ErrorCase{"EmptyDealId", [](auto& r, auto&) { r.set_crm_deal_id(""); },
                  grpc::StatusCode::INVALID_ARGUMENT, "crm_deal_id: required"},
        ErrorCase{"UnknownPortal", [](auto& r, auto&) { r.set_portal_id("750000000000009"); },
                  grpc::StatusCode::NOT_FOUND,
                  "portal_id: portal 750000000000009 is not configured"},
        ErrorCase{"UnknownProject", [](auto& r, auto&) { r.set_project_id("1700000000999"); },
                  grpc::StatusCode::NOT_FOUND,
                  "project_id: project 1700000000999 is not in the directory"},
        ErrorCase{"UnknownTask", [](auto& r, auto&) { r.set_projects_task_id("1700000000999"); },
                  grpc::StatusCode::NOT_FOUND,
                  absl::StrCat("projects_task_id: Zoho Projects has no task 1700000000999 in ",
                               kOfProject)},
        ErrorCase{"NoClientAccount",
                  [](auto&, Fakes& fakes) {
                    fakes.directory.projects[{kPortal, kProject}].client_account_id.clear();
                    fakes.directory.projects[{kPortal, kProject}].mapped_crm_account_id.clear();
                  },
                  grpc::StatusCode::FAILED_PRECONDITION,
                  absl::StrCat("The ", kOfProject,
                               " has no client account, so its tasks cannot be added to CRM")},
        ErrorCase{"ClientAccountNotMapped",
                  [](auto&, Fakes& fakes) {
                    fakes.directory.projects[{kPortal, kProject}].mapped_crm_account_id.clear();
                  },
                  grpc::StatusCode::FAILED_PRECONDITION,
                  absl::StrCat("The client account Acme Corp (1900000000003) of the ", kOfProject,
                               " is not mapped to a CRM account; map it first")},
        ErrorCase{
            "NotTheMappedAccount", [](auto& r, auto&) { r.set_crm_account_id("6000000000078"); },
            grpc::StatusCode::FAILED_PRECONDITION,
            absl::StrCat("crm_account_id: CRM account 6000000000078 is not the account "
                         "mapped to the ",
                         kOfProject, "'s client account Acme Corp (ACME Corp., 6000000000077)")},
        ErrorCase{"DealNotOfTheProject", [](auto& r, auto&) { r.set_crm_deal_id("6000000000999"); },
                  grpc::StatusCode::FAILED_PRECONDITION,
                  absl::StrCat("crm_deal_id: CRM deal 6000000000999 is not associated with the ",
                               kOfProject)},
        ErrorCase{"ProjectsGrantBroken",
                  [](auto&, Fakes& fakes) {
                    fakes.projects.error = absl::FailedPreconditionError(
                        "portal 750000000000001 has no ACTIVE Zoho Projects grant sync can read "
                        "with: the grant is BROKEN");
                  },
                  grpc::StatusCode::FAILED_PRECONDITION,
                  "portal 750000000000001 has no ACTIVE Zoho Projects grant sync can read with: "
                  "the grant is BROKEN"},
        ErrorCase{"CrmGrantBroken",
                  [](auto&, Fakes& fakes) {
                    fakes.grants.answers[{kPortal, Side::kCrm}] = absl::FailedPreconditionError(
                        "The Zoho CRM grant of portal 750000000000001 is BROKEN (invalid_code)");
                  },
                  grpc::StatusCode::FAILED_PRECONDITION,
                  "The Zoho CRM grant of portal 750000000000001 is BROKEN (invalid_code)"},
        ErrorCase{"PriorityOutsideTheMap",
                  [](auto&, Fakes& fakes) {
                    fakes.projects.current_tasks[{kPortal, kNewTask}].priority = "Urgent";
                  },
                  grpc::StatusCode::FAILED_PRECONDITION,
                  "The Projects task cannot be added to CRM: Priority \"Urgent\" is not in the "
                  "portal's Zoho Projects priority map"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

}  // namespace
}  // namespace crmsync::sync

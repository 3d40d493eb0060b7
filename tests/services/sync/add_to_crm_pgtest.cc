// SyncService.AddTaskToCrm over an in-process gRPC channel on a real PostgreSQL, with mapping's
// directory and the Projects task served from in-memory records: the link and canonical state a
// caller then sees, the CRM task's creation queued once on the outbox, and every error of the
// proto's list with its message, each leaving nothing recorded.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <functional>
#include <pqxx/pqxx>

#include "prometheus/registry.h"
#include "services/sync/add_to_crm.h"
#include "services/sync/outbox.h"
#include "services/sync/pipeline.h"
#include "services/sync/store/pg_store.h"
#include "services/sync/sync_server.h"
#include "tests/services/sync/builders.h"
#include "tests/services/sync/fake_reads.h"
#include "tests/services/sync/test_pool.h"

namespace crmsync::sync {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

const absl::Time kStart = absl::FromUnixSeconds(1795424400);
constexpr char kPortal[] = "750000000000001";
constexpr char kProject[] = "1700000000001";
constexpr char kTask[] = "1700000000042";
constexpr char kSubtask[] = "1700000000043";
constexpr char kAccount[] = "6000000000077";
constexpr char kDeal[] = "6000000000501";
constexpr char kProjectsAna[] = "1800000000009";
constexpr char kCrmAna[] = "4000000000009";

// An outbox item as the work queue holds it.
struct QueuedItem {
  std::string key;
  std::string group;
  OutboxWrite write;
};

class AddToCrmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = MakeSyncTestPool(4);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgStore>(*pool_.pool);
    portals_.portals[kPortal] = {testing::DocumentedDefaultMaps(), RejectionPolicy::kReportOnly};
    directory_.projects[{kPortal, kProject}] = {"Data Migration", "1900000000003", "Acme Corp",
                                                kAccount, "ACME Corp."};
    directory_.deals[{kPortal, kProject}] = {"6000000000500", kDeal};
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
    projects_.current_tasks[{kPortal, kTask}] = task;

    pipeline_ =
        std::make_unique<ChangePipeline>(*store_, portals_, users_, projects_, clock_, metrics_);
    add_to_crm_ =
        std::make_unique<AddToCrm>(*store_, portals_, users_, directory_, projects_, clock_);
    server_ = std::make_unique<SyncServer>(*pipeline_, *store_, *add_to_crm_, clock_, metrics_);
    grpc::ServerBuilder builder;
    builder.RegisterService(server_.get());
    grpc_server_ = builder.BuildAndStart();
    stub_ = v1::SyncService::NewStub(grpc_server_->InProcessChannel({}));
  }
  void TearDown() override {
    if (grpc_server_) grpc_server_->Shutdown();
  }

  // George asks to add `task_id` to CRM, attached to the mapped account.
  static v1::AddTaskToCrmRequest Request(const std::string& task_id = kTask) {
    v1::AddTaskToCrmRequest request;
    request.set_portal_id(kPortal);
    request.set_project_id(kProject);
    request.set_projects_task_id(task_id);
    request.set_crm_account_id(kAccount);
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

  v1::TaskSyncState State(const std::string& task_id = kTask) {
    v1::GetTaskSyncStateRequest request;
    request.set_portal_id(kPortal);
    request.mutable_task()->set_side(common::v1::SIDE_PROJECTS);
    request.mutable_task()->set_task_id(task_id);
    v1::GetTaskSyncStateResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub_->GetTaskSyncState(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.state();
  }

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

  int64_t LinkId(const std::string& task_id) {
    pqxx::connection connection(pool_.database->url());
    pqxx::nontransaction tx(connection);
    return tx
        .exec_params1("SELECT link_id FROM sync.task_links WHERE projects_task_id = $1", task_id)[0]
        .as<int64_t>();
  }

  int Links() {
    pqxx::connection connection(pool_.database->url());
    pqxx::nontransaction tx(connection);
    return tx.exec1("SELECT count(*) FROM sync.task_links")[0].as<int>();
  }

  FakeClock clock_{kStart};
  prometheus::Registry registry_;
  SyncMetrics metrics_{registry_};
  testing::FakePortals portals_;
  testing::FakeUsers users_;
  testing::FakeProjects projects_;
  testing::FakeDirectory directory_;
  SyncTestPool pool_;
  std::unique_ptr<PgStore> store_;
  std::unique_ptr<ChangePipeline> pipeline_;
  std::unique_ptr<AddToCrm> add_to_crm_;
  std::unique_ptr<SyncServer> server_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<v1::SyncService::Stub> stub_;
};

TEST_F(AddToCrmTest, TheTaskIsLinkedPendingCreateWithItsProjectsValuesAndItsCreationQueuedOnce) {
  v1::TaskLink link;
  const grpc::Status status = Add(Request(), &link);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(link.state(), v1::LINK_STATE_PENDING_CREATE);
  EXPECT_EQ(link.crm_task_id(), "");
  EXPECT_EQ(link.projects_task_id(), kTask);
  EXPECT_EQ(link.project_id(), kProject);
  EXPECT_EQ(link.crm_parent().crm_module(), v1::CRM_MODULE_ACCOUNTS);
  EXPECT_EQ(link.crm_parent().record_id(), kAccount);
  EXPECT_EQ(link.projects_parent_task_id(), "");

  const v1::TaskSyncState state = State();
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

  const int64_t link_id = LinkId(kTask);
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
  EXPECT_EQ(again.error_message(), absl::StrCat("projects_task_id: Projects task ", kTask,
                                                " is already linked to a CRM task that is being "
                                                "created"));
  EXPECT_THAT(Outbox(), SizeIs(1));
  EXPECT_EQ(Links(), 1);
}

TEST_F(AddToCrmTest, ASubtaskAttachedToADealOfTheProjectKeepsItsParentAndAnOwnerWithoutCrmUser) {
  ProjectsTaskValues subtask = projects_.current_tasks[{kPortal, kTask}];
  subtask.name = "Move invoices";
  subtask.end_date.reset();
  subtask.priority = "None";
  subtask.status_name = "Closed";
  subtask.owner = ProjectsOwner{"1800000000011", "Ben Ode", "ben@example.com"};
  subtask.parent_task_id = kTask;
  projects_.current_tasks[{kPortal, kSubtask}] = subtask;
  v1::AddTaskToCrmRequest request = Request(kSubtask);
  request.set_crm_deal_id(kDeal);
  v1::TaskLink link;
  const grpc::Status status = Add(request, &link);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(link.crm_parent().crm_module(), v1::CRM_MODULE_DEALS);
  EXPECT_EQ(link.crm_parent().record_id(), kDeal);
  EXPECT_EQ(link.projects_parent_task_id(), kTask);

  const v1::TaskSyncState state = State(kSubtask);
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

// One error of AddTaskToCrm's list: how the request or the records are made to cause it, and the
// code and message the caller gets.
struct ErrorCase {
  std::string name;
  std::function<void(v1::AddTaskToCrmRequest&, testing::FakeDirectory&, testing::FakeProjects&)>
      arrange;
  grpc::StatusCode code;
  std::string message;
};

class AddToCrmErrorTest : public AddToCrmTest, public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(AddToCrmErrorTest, SaysWhichAndRecordsNothing) {
  v1::AddTaskToCrmRequest request = Request();
  GetParam().arrange(request, directory_, projects_);
  const grpc::Status status = Add(request);
  EXPECT_EQ(status.error_code(), GetParam().code) << status.error_message();
  EXPECT_EQ(status.error_message(), GetParam().message);
  EXPECT_EQ(Links(), 0);
  EXPECT_THAT(Outbox(), SizeIs(0));
}

const std::string kOfProject = absl::StrCat("project Data Migration (", kProject, ")");

INSTANTIATE_TEST_SUITE_P(
    Errors, AddToCrmErrorTest,
    ::testing::Values(
        ErrorCase{"NoPortalId", [](auto& r, auto&, auto&) { r.clear_portal_id(); },
                  grpc::StatusCode::INVALID_ARGUMENT, "portal_id: required"},
        ErrorCase{"MalformedProjectId", [](auto& r, auto&, auto&) { r.set_project_id("17 00"); },
                  grpc::StatusCode::INVALID_ARGUMENT, "project_id: only [0-9A-Za-z_-] allowed"},
        ErrorCase{"NoTaskId", [](auto& r, auto&, auto&) { r.clear_projects_task_id(); },
                  grpc::StatusCode::INVALID_ARGUMENT, "projects_task_id: required"},
        ErrorCase{"NoTarget", [](auto& r, auto&, auto&) { r.clear_target(); },
                  grpc::StatusCode::INVALID_ARGUMENT,
                  "target: crm_account_id or crm_deal_id is required"},
        ErrorCase{"EmptyDealId", [](auto& r, auto&, auto&) { r.set_crm_deal_id(""); },
                  grpc::StatusCode::INVALID_ARGUMENT, "crm_deal_id: required"},
        ErrorCase{
            "UnknownPortal", [](auto& r, auto&, auto&) { r.set_portal_id("750000000000009"); },
            grpc::StatusCode::NOT_FOUND, "portal_id: portal 750000000000009 is not configured"},
        ErrorCase{"UnknownProject",
                  [](auto& r, auto&, auto&) { r.set_project_id("1700000000999"); },
                  grpc::StatusCode::NOT_FOUND,
                  "project_id: project 1700000000999 is not in the directory"},
        ErrorCase{"UnknownTask",
                  [](auto& r, auto&, auto&) { r.set_projects_task_id("1700000000999"); },
                  grpc::StatusCode::NOT_FOUND,
                  absl::StrCat("projects_task_id: Zoho Projects has no task 1700000000999 in ",
                               kOfProject)},
        ErrorCase{"NoClientAccount",
                  [](auto&, auto& directory, auto&) {
                    directory.projects[{kPortal, kProject}].client_account_id.clear();
                    directory.projects[{kPortal, kProject}].mapped_crm_account_id.clear();
                  },
                  grpc::StatusCode::FAILED_PRECONDITION,
                  absl::StrCat("The ", kOfProject,
                               " has no client account, so its tasks cannot be added to CRM")},
        ErrorCase{"ClientAccountNotMapped",
                  [](auto&, auto& directory, auto&) {
                    directory.projects[{kPortal, kProject}].mapped_crm_account_id.clear();
                  },
                  grpc::StatusCode::FAILED_PRECONDITION,
                  absl::StrCat("The client account Acme Corp (1900000000003) of the ", kOfProject,
                               " is not mapped to a CRM account; map it first")},
        ErrorCase{
            "NotTheMappedAccount",
            [](auto& r, auto&, auto&) { r.set_crm_account_id("6000000000078"); },
            grpc::StatusCode::FAILED_PRECONDITION,
            absl::StrCat("crm_account_id: CRM account 6000000000078 is not the account "
                         "mapped to the ",
                         kOfProject, "'s client account Acme Corp (ACME Corp., 6000000000077)")},
        ErrorCase{"DealNotOfTheProject",
                  [](auto& r, auto&, auto&) { r.set_crm_deal_id("6000000000999"); },
                  grpc::StatusCode::FAILED_PRECONDITION,
                  absl::StrCat("crm_deal_id: CRM deal 6000000000999 is not associated with the ",
                               kOfProject)},
        ErrorCase{"ProjectsGrantBroken",
                  [](auto&, auto&, auto& projects) {
                    projects.error = absl::FailedPreconditionError(
                        "portal 750000000000001 has no ACTIVE Zoho Projects grant sync can read "
                        "with: the grant is BROKEN");
                  },
                  grpc::StatusCode::FAILED_PRECONDITION,
                  "portal 750000000000001 has no ACTIVE Zoho Projects grant sync can read with: "
                  "the grant is BROKEN"},
        ErrorCase{"PriorityOutsideTheMap",
                  [](auto&, auto&, auto& projects) {
                    projects.current_tasks[{kPortal, kTask}].priority = "Urgent";
                  },
                  grpc::StatusCode::FAILED_PRECONDITION,
                  "The Projects task cannot be added to CRM: Priority \"Urgent\" is not in the "
                  "portal's Zoho Projects priority map"}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

}  // namespace
}  // namespace crmsync::sync

// A task deleted on one side, end to end through the crmsync-sync binary: the deletion arrives
// as Zoho announces it (a Projects task_delete webhook, a CRM watch notification with operation
// delete), the link turns LINK_STATE_DELETED_IN_*, nothing is queued for the other side (the
// linked task there is kept), and a later edit made on the other side is refused
// TASK_DELETED_ON_OTHER_SIDE.
#include "tests/services/sync/sync_suite.h"

namespace crmsync::sync {
namespace {

class DeletionTest : public SyncIntegrationTest {
 protected:
  // The task's sync state once its link is `state` (bounded); the last state read otherwise.
  v1::TaskSyncState LinkBecomes(common::v1::Side side, const std::string& task_id,
                                v1::LinkState state) {
    v1::TaskSyncState seen;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      v1::GetTaskSyncStateRequest request;
      request.set_portal_id(portal_);
      request.mutable_task()->set_side(side);
      request.mutable_task()->set_task_id(task_id);
      v1::GetTaskSyncStateResponse response;
      grpc::ClientContext context;
      if (stub_->GetTaskSyncState(&context, request, &response).ok()) seen = response.state();
      if (seen.link().state() == state) break;
      absl::SleepFor(absl::Milliseconds(50));  // polling the state, bounded above
    }
    return seen;
  }
};

TEST_F(DeletionTest, ATaskDeletedInProjectsIsMarkedAndCrmEditsAreRefused) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Open");
  PointProjectsWebhooksAtSync();

  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/delete",
          nlohmann::json::object());

  const v1::TaskSyncState state =
      LinkBecomes(common::v1::SIDE_PROJECTS, parent_, v1::LINK_STATE_DELETED_IN_PROJECTS);
  EXPECT_EQ(state.link().state(), v1::LINK_STATE_DELETED_IN_PROJECTS);
  EXPECT_EQ(state.pending_size(), 0);
  const work_queue::QueueStats inbox = InboxDrained();
  EXPECT_EQ(inbox.pending + inbox.running + inbox.dead, 0);

  v1::TaskChange edit = CrmChange("6000000012345", "after-delete");
  edit.mutable_fields()->set_title("Migrate data (phase 2)");
  v1::ChangeOutcome outcome;
  ASSERT_TRUE(Submit(edit, &outcome).ok());
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_TASK_DELETED_ON_OTHER_SIDE);
  EXPECT_EQ(LinkBecomes(common::v1::SIDE_CRM, "6000000012345", v1::LINK_STATE_DELETED_IN_PROJECTS)
                .pending_size(),
            0);
}

TEST_F(DeletionTest, ATaskDeletedInCrmIsMarkedAndProjectsEditsAreRefused) {
  const std::string crm_task = Id(
      Control("/_sim/crm/Tasks", {{"Subject", "Call the customer"}, {"Due_Date", "2025-06-20"}}));
  project_ = Control("/_sim/projects/portals/" + portal_ + "/projects",
                     {{"name", "Onboarding"}})["id_string"];
  const std::string projects_task = Id(
      Control("/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks",
              {{"fields", {{"name", "Call the customer"}}}, {"user_email", kAdmin}})["tasks"][0]);
  TaskLink link;
  link.portal_id = portal_;
  link.project_id = project_;
  link.projects_task_id = projects_task;
  link.crm_task_id = crm_task;
  link.crm_module = CrmModule::kAccounts;
  link.crm_record_id = "6000000000077";
  link.state = LinkState::kActive;
  const absl::Time set = absl::FromUnixSeconds(1750000000);
  ASSERT_TRUE(store_
                  ->CreateLink(link,
                               {{Field::kTitle, FieldState{std::string("Call the customer"), 1,
                                                           Side::kProjects, set, "seed"}}},
                               set)
                  .ok());
  // The admin registers the portal's watch channel with the issued token.
  const std::string secret = IssueWebhookSecret(common::v1::SIDE_CRM);
  auto token = sim_->MintAccessToken(kClientId, kClientSecret, refresh_token_);
  ASSERT_TRUE(token.ok()) << token.status();
  http::CurlHttpClient http;
  zoho::CrmWatchSpec watch;
  watch.channel_id = 1000000001;
  watch.events = {"Tasks.all"};
  watch.notify_url = webhook_base_ + "/webhooks/crm?portal_id=" + portal_;
  watch.token = secret;
  auto watched = zoho::CrmClient(http, sim_->base_url()).EnableWatch(*token, watch);
  ASSERT_TRUE(watched.ok()) << watched.status();

  Control("/_sim/crm/Tasks/" + crm_task + "/delete", {{"user_email", kAdmin}});

  const v1::TaskSyncState state =
      LinkBecomes(common::v1::SIDE_CRM, crm_task, v1::LINK_STATE_DELETED_IN_CRM);
  EXPECT_EQ(state.link().state(), v1::LINK_STATE_DELETED_IN_CRM);
  EXPECT_EQ(state.pending_size(), 0);

  v1::TaskChange edit;
  edit.set_portal_id(portal_);
  edit.set_origin_side(common::v1::SIDE_PROJECTS);
  edit.set_event_id("after-delete");
  edit.set_task_id(projects_task);
  edit.mutable_actor()->set_email(kAdmin);
  *edit.mutable_source_modified_time() = ::google::protobuf::util::TimeUtil::GetCurrentTime();
  edit.mutable_fields()->set_title("Call the customer back");
  v1::ChangeOutcome outcome;
  ASSERT_TRUE(Submit(edit, &outcome).ok());
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_TASK_DELETED_ON_OTHER_SIDE);
}

}  // namespace
}  // namespace crmsync::sync

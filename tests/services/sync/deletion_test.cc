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
    return StateOnce(side, task_id, [state](const v1::TaskSyncState& seen) {
      return seen.link().state() == state;
    });
  }
};

TEST_F(DeletionTest, ATaskDeletedInProjectsIsMarkedAndCrmEditsAreRefused) {
  LinkedTasksWithProjectsWebhooks();

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
  std::string crm_task, projects_task;
  ASSERT_NO_FATAL_FAILURE(LinkedTasksWatchedInCrm(&crm_task, &projects_task));

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

#include "services/sync/ingest/resync.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "services/sync/ingest/task_changes.h"

namespace crmsync::sync {
namespace {

// Time left at the end of an item's bound for completing it.
constexpr absl::Duration kCompletionMargin = absl::Seconds(5);

}  // namespace

absl::StatusOr<std::vector<ProcessedChange>> ZohoResyncer::ResyncTask(absl::string_view portal_id,
                                                                      Side side,
                                                                      absl::string_view task_id,
                                                                      absl::Time deadline) {
  ASSIGN_OR_RETURN(const std::optional<StoredTask> stored,
                   store_.ReadTask(portal_id, side, task_id, deadline));
  if (!stored) {
    return absl::NotFoundError(
        absl::StrCat("task: ", SideDisplayName(side), " task ", task_id, " is not linked"));
  }
  const TaskLink& link = stored->link;
  // Both sides are read before anything is submitted, so a read refused (grant, rate limit)
  // leaves nothing half done.
  std::vector<TaskChange> changes;
  if (!link.crm_task_id.empty()) {
    ASSIGN_OR_RETURN(const std::vector<zoho::CrmTask> crm,
                     zoho_.CrmTasks(portal_id, {link.crm_task_id}, deadline));
    if (!crm.empty()) changes.push_back(ChangeFromCrmTask(portal_id, crm.front()));
  }
  absl::StatusOr<zoho::ProjectsTask> projects =
      zoho_.ProjectsTask(portal_id, link.project_id, link.projects_task_id, deadline);
  if (projects.ok()) {
    changes.push_back(ChangeFromProjectsTask(portal_id, link.project_id, *projects));
  } else if (!absl::IsNotFound(projects.status())) {
    return projects.status();
  }
  std::vector<ProcessedChange> processed;
  for (const TaskChange& change : changes) {
    // An invalid side is skipped: the other side still counts.
    ASSIGN_OR_RETURN(std::optional<ProcessedChange> one,
                     SubmitReadChange(pipeline_, metrics_, change, "a resync", deadline));
    if (one) processed.push_back(*std::move(one));
  }
  return processed;
}

absl::StatusOr<int> ZohoResyncer::QueuePortal(absl::string_view portal_id, absl::Time now,
                                              absl::Time deadline) {
  RETURN_IF_ERROR(portals_.Get(portal_id, deadline).status());
  return queue_.QueueLinkedTasks(portal_id, now);
}

work_queue::Outcome ZohoResyncer::Process(const std::vector<work_queue::Claim>& unit,
                                          const absl::Notification& stop) {
  const work_queue::Claim& claim = unit.front();
  const std::vector<std::string> parts = absl::StrSplit(claim.payload, '\t');
  if (parts.size() != 2) {
    return work_queue::Outcome::Refused("the item's payload is not <portal id>\\t<task id>");
  }
  const absl::Status status = ResyncTask(parts[0], Side::kProjects, parts[1],
                                         clock_.Now() + item_bound_ - kCompletionMargin)
                                  .status();
  // Unlinked since it was queued: nothing to retry.
  if (status.ok() || absl::IsNotFound(status)) return work_queue::Outcome::Done();
  if (stop.HasBeenNotified()) return work_queue::Outcome::Interrupted();
  // Zoho's reply breaks its documented shape: retrying cannot help.
  if (absl::IsInvalidArgument(status) || absl::IsDataLoss(status)) {
    LogWarning(
        "a queued resync cannot be processed; it is given up",
        {{"portal_id", parts[0]}, {"projects_task_id", parts[1]}, {"error", status.ToString()}});
    return work_queue::Outcome::Refused(status.ToString());
  }
  return work_queue::Outcome::Retry(status.ToString());
}

}  // namespace crmsync::sync

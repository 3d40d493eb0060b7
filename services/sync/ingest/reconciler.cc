#include "services/sync/ingest/reconciler.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "services/sync/ingest/task_changes.h"

namespace crmsync::sync {
namespace {

// Time left at the end of a pass's bound for completing its item.
constexpr absl::Duration kCompletionMargin = absl::Seconds(5);

// Who deleted a task, when Zoho does not say: Projects has no list of deleted tasks, and a
// CRM deletion may come without deleted_by. The change log keeps this as the deletion's actor.
Actor UnknownDeleter(Side side) {
  return Actor{.user_id = "unknown",
               .email = "",
               .display_name = absl::StrCat("someone in ", SideDisplayName(side))};
}

}  // namespace

absl::Status Reconciler::Submit(const TaskChange& change, absl::string_view kind,
                                absl::Time deadline) {
  ASSIGN_OR_RETURN(const std::optional<ProcessedChange> processed,
                   SubmitReadChange(pipeline_, metrics_, change, "reconciliation", deadline));
  // DUPLICATE: a webhook brought it already; ECHO: nothing differs; STALE: older than what is
  // canonical (e.g. a write of ours read back within the same CRM second). None repairs anything.
  const Outcome result = processed ? processed->outcome.decision.result : Outcome::kUnspecified;
  if (processed && !processed->outcome.duplicate &&
      (result == Outcome::kApplied || result == Outcome::kRejected)) {
    metrics_.ReconcileRepair(change.origin_side, kind);
  }
  return absl::OkStatus();
}

absl::Status Reconciler::Crm(absl::string_view portal_id, const std::vector<TaskLink>& links,
                             absl::Time since, absl::Time deadline) {
  std::set<std::string> linked;
  for (const TaskLink& link : links) {
    if (link.state == LinkState::kActive && !link.crm_task_id.empty()) {
      linked.insert(link.crm_task_id);
    }
  }
  if (linked.empty()) return absl::OkStatus();
  // Both lists are read before anything is submitted, so a refused read leaves nothing half
  // done for this window.
  ASSIGN_OR_RETURN(const std::vector<zoho::CrmTask> modified,
                   zoho_.CrmTasksModifiedSince(portal_id, since, deadline));
  ASSIGN_OR_RETURN(const std::vector<zoho::CrmDeletedRecord> deleted,
                   zoho_.CrmDeletedTasks(portal_id, since, deadline));
  for (const zoho::CrmTask& task : modified) {
    if (!linked.contains(task.id)) continue;
    RETURN_IF_ERROR(Submit(ChangeFromCrmTask(portal_id, task), "change", deadline));
  }
  for (const zoho::CrmDeletedRecord& record : deleted) {
    if (!linked.contains(record.id)) continue;
    Actor actor = UnknownDeleter(Side::kCrm);
    if (record.deleted_by && !record.deleted_by->id.empty()) {
      actor = Actor{.user_id = record.deleted_by->id,
                    .email = "",
                    .display_name = record.deleted_by->name.value_or("")};
    }
    RETURN_IF_ERROR(Submit(
        DeletionChange(portal_id, Side::kCrm, record.id, record.deleted_time, std::move(actor)),
        "deletion", deadline));
  }
  if (notes_ != nullptr) {
    ASSIGN_OR_RETURN(const int comments, notes_->Poll(portal_id, since, deadline));
    for (int i = 0; i < comments; ++i) metrics_.ReconcileRepair(Side::kCrm, "comment");
  }
  return absl::OkStatus();
}

absl::Status Reconciler::LinkedProjectsTask(absl::string_view portal_id, const TaskLink& link,
                                            const zoho::ProjectsTask* listed, absl::Time since,
                                            absl::Time deadline) {
  std::optional<zoho::ProjectsTask> read;
  if (listed == nullptr) {
    absl::StatusOr<zoho::ProjectsTask> by_id =
        zoho_.ProjectsTask(portal_id, link.project_id, link.projects_task_id, deadline);
    if (absl::IsNotFound(by_id.status())) {
      return Submit(DeletionChange(portal_id, Side::kProjects, link.projects_task_id, clock_.Now(),
                                   UnknownDeleter(Side::kProjects)),
                    "deletion", deadline);
    }
    if (!by_id.ok()) return by_id.status();
    read = *std::move(by_id);
    listed = &*read;
  }
  if (listed->last_updated_time <= since) return absl::OkStatus();
  return Submit(ChangeFromProjectsTask(portal_id, link.project_id, *listed), "change", deadline);
}

absl::Status Reconciler::Projects(absl::string_view portal_id, const std::vector<TaskLink>& links,
                                  absl::Time since, absl::Time deadline) {
  std::map<std::string, std::vector<const TaskLink*>> main_tasks_by_project;
  for (const TaskLink& link : links) {
    if (!link.projects_parent_task_id.empty()) {
      RETURN_IF_ERROR(LinkedProjectsTask(portal_id, link, nullptr, since, deadline));
    } else {
      main_tasks_by_project[link.project_id].push_back(&link);
    }
  }
  for (const auto& [project_id, linked] : main_tasks_by_project) {
    absl::StatusOr<std::vector<zoho::ProjectsTask>> listed =
        zoho_.ProjectsTaskList(portal_id, project_id, deadline);
    // A project Projects no longer has: each task is read by id, which says whether it is gone.
    if (absl::IsNotFound(listed.status())) listed = std::vector<zoho::ProjectsTask>();
    if (!listed.ok()) return listed.status();
    std::map<std::string, const zoho::ProjectsTask*> by_id;
    for (const zoho::ProjectsTask& task : *listed) by_id[task.id] = &task;
    for (const TaskLink* link : linked) {
      auto found = by_id.find(link->projects_task_id);
      RETURN_IF_ERROR(LinkedProjectsTask(
          portal_id, *link, found == by_id.end() ? nullptr : found->second, since, deadline));
    }
  }
  return absl::OkStatus();
}

absl::Status Reconciler::ReconcileSide(absl::string_view portal_id, Side side, absl::Time cursor,
                                       const std::function<absl::Status(absl::Time since)>& read,
                                       absl::Time deadline) {
  const absl::Time began = clock_.Now();
  absl::Status status = read(cursor - options_.overlap);
  if (status.ok()) status = store_.AdvanceCursor(portal_id, side, began, clock_.Now(), deadline);
  metrics_.ReconcilePass(side, status.ok());
  if (!status.ok()) {
    LogWarning("a reconciliation pass failed; its window is read again at the next pass",
               {{"portal_id", portal_id},
                {"side", std::string(SideKey(side))},
                {"error", status.ToString()}});
  }
  return status;
}

absl::Status Reconciler::Pass(absl::string_view portal_id, absl::Time deadline) {
  ASSIGN_OR_RETURN(const std::vector<TaskLink> links, store_.LiveLinks(portal_id, deadline));
  ASSIGN_OR_RETURN(const ReconcileCursors cursors, store_.Cursors(portal_id, deadline));
  absl::Time oldest_link = clock_.Now();
  for (const TaskLink& link : links) oldest_link = std::min(oldest_link, link.create_time);
  const absl::Status crm = ReconcileSide(
      portal_id, Side::kCrm, cursors.crm.value_or(oldest_link),
      [&](absl::Time since) { return Crm(portal_id, links, since, deadline); }, deadline);
  const absl::Status projects = ReconcileSide(
      portal_id, Side::kProjects, cursors.projects.value_or(oldest_link),
      [&](absl::Time since) { return Projects(portal_id, links, since, deadline); }, deadline);
  return crm.ok() ? projects : crm;
}

work_queue::Outcome Reconciler::Process(const std::vector<work_queue::Claim>& unit,
                                        const absl::Notification& stop) {
  const std::string& portal_id = unit.front().payload;
  const absl::Status status =
      Pass(portal_id, clock_.Now() + options_.pass_bound - kCompletionMargin);
  if (status.ok()) return work_queue::Outcome::Done();
  if (stop.HasBeenNotified()) return work_queue::Outcome::Interrupted();
  return work_queue::Outcome::Later(status.ToString(), options_.interval);
}

void Reconciler::QueuePasses(const absl::Notification& stop) {
  do {
    if (absl::StatusOr<int> queued = store_.QueuePasses(clock_.Now()); !queued.ok()) {
      LogWarning("reconciliation passes could not be queued; trying again",
                 {{"error", queued.status().ToString()}});
    }
  } while (!stop.WaitForNotificationWithTimeout(options_.interval));
}

}  // namespace crmsync::sync

// The decision on one task change (steps 3 to 7 of the change pipeline in sync.proto): the link,
// per field STALE, translation into canonical values, ECHO, the CRM rules, and the
// all-or-nothing outcome. Pure: the caller reads the link, the canonical state, the portal's
// value maps, the owner's user mapping and the live Projects state first (NeededReads says which
// of the last two a change needs), then records what DecideChange returns in one transaction.
#ifndef CRMSYNC_SERVICES_SYNC_CHANGE_DECISION_H_
#define CRMSYNC_SERVICES_SYNC_CHANGE_DECISION_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/sync/change/merge.h"
#include "services/sync/change/rules.h"
#include "services/sync/change/task.h"
#include "services/sync/change/value_maps.h"

namespace crmsync::sync {

// What is known about the changed task when its change is decided.
struct TaskContext {
  // The task's link state; nullopt when the task is not linked.
  std::optional<LinkState> link;
  // The link names a Projects parent task.
  bool is_subtask = false;
  // The fields' canonical values.
  CanonicalTask canonical;
  // The user mapping's answer for the change's non-empty owner_user_id (the user on both sides,
  // linked by email); nullopt when no user has that id on the origin side.
  std::optional<Owner> owner;
  // The task's project as read live from Projects; needed when NeededReads says so.
  std::optional<ProjectSchedule> schedule;
  // The subtask's parent as read live from Projects; needed when NeededReads says so.
  std::optional<ParentTask> parent;
};

// Step 3 for a change or comment made to task `task_id` on `origin`: TASK_NOT_LINKED when `link`
// is nullopt, TASK_DELETED_ON_OTHER_SIDE when the linked task was deleted on the other side;
// nullopt when changes may proceed.
std::optional<Rejection> CheckLink(Side origin, absl::string_view task_id,
                                   const std::optional<LinkState>& link);

// Which reads DecideChange needs for a change beyond the link and canonical state.
struct NeededReads {
  // TaskContext::owner: the change sets an owner and is not stale.
  bool owner = false;
  // TaskContext::schedule: a CRM change sets an end date that is neither stale nor an echo.
  bool schedule = false;
  // TaskContext::parent: a CRM change reopens a subtask (status neither stale nor an echo).
  bool parent = false;
};

// The reads `change` needs, judged from `context`'s link and canonical state. It may ask for a
// read that the decision then does not use (another field of the change is refused first).
NeededReads NeededReadsFor(const TaskChange& change, const ValueMaps& maps,
                           const TaskContext& context);

// Decides a change that ValidateChange accepted:
//   not linked → REJECTED TASK_NOT_LINKED; the linked task deleted on the other side → REJECTED
//   TASK_DELETED_ON_OTHER_SIDE unless every field it carries is STALE or ECHO (its side's own
//   last value read again: then that outcome, and no failure); a deletion → APPLIED with
//   marks_task_deleted (ECHO when already recorded); otherwise per field STALE, INVALID_VALUE /
//   UNKNOWN_OWNER when it cannot be translated or accepted, ECHO, then (changes from CRM) the
//   rules, combined all or nothing.
// INVALID_ARGUMENT when the change is malformed; INTERNAL when `context` lacks a read that
// NeededReadsFor asks for.
absl::StatusOr<ChangeDecision> DecideChange(const TaskChange& change, const ValueMaps& maps,
                                            const TaskContext& context);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_CHANGE_DECISION_H_

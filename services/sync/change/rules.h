// The integration's two rules for changes made in Zoho CRM (step 7 of the change pipeline), as
// the Zoho Projects help page describes them. Pure functions of the new value and the live
// Projects state the caller read; no I/O.
#ifndef CRMSYNC_SERVICES_SYNC_CHANGE_RULES_H_
#define CRMSYNC_SERVICES_SYNC_CHANGE_RULES_H_

#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "services/sync/change/task.h"

namespace crmsync::sync {

// A Projects project's schedule, as read live from Zoho Projects.
struct ProjectSchedule {
  std::string project_name;
  // nullopt: the schedule is open-ended on that side.
  std::optional<absl::CivilDay> start;
  std::optional<absl::CivilDay> end;
  // The project runs on a fixed ("strict") schedule.
  bool strict = false;
};

// A subtask's parent task, as read live from Zoho Projects.
struct ParentTask {
  std::string title;
  TaskStatus status = TaskStatus::kUnspecified;
};

// DUE_DATE_BEYOND_STRICT_SCHEDULE when `end_date` falls before the start or after the end of a
// strict project's schedule. The start and end dates themselves are inside; a missing bound
// bounds nothing; clearing the end date, and any date in a project that is not strict, pass.
std::optional<Rejection> CheckEndDateInStrictSchedule(const EndDate& end_date,
                                                      const ProjectSchedule& project);

// SUBTASK_PARENT_CLOSED when `new_status` reopens a subtask whose parent task is closed in
// Projects. `parent` is nullopt for a top-level task, which may always be reopened; closing a
// subtask always passes.
std::optional<Rejection> CheckReopenUnderClosedParent(TaskStatus new_status,
                                                      const std::optional<ParentTask>& parent);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_CHANGE_RULES_H_

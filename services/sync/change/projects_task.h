// A Projects task as "Add to CRM" takes it: its current values as Zoho Projects gives them, and
// the canonical state they become when the task is linked (each field version 1, set by the
// Projects side at the task's last modified time). Plain structs, no I/O.
#ifndef CRMSYNC_SERVICES_SYNC_CHANGE_PROJECTS_TASK_H_
#define CRMSYNC_SERVICES_SYNC_CHANGE_PROJECTS_TASK_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/sync/change/task.h"
#include "services/sync/change/value_maps.h"

namespace crmsync::sync {

// The Projects user a task names first in `details.owners`.
struct ProjectsOwner {
  std::string user_id;
  std::string name;
  std::string email;
};

// A Projects task's synced values, raw as Projects has them.
struct ProjectsTaskValues {
  std::string name;
  std::string description;
  // From the `end_date` MM-DD-YYYY string; nullopt when the task has none.
  std::optional<absl::CivilDay> end_date;
  // `priority`, e.g. "Medium".
  std::string priority;
  // `status.name`, e.g. "In Review", and what its `status.type` (or `completed`) says.
  std::string status_name;
  TaskStatus status_type = TaskStatus::kUnspecified;
  // The first of `details.owners`; nullopt when the task has no owner.
  std::optional<ProjectsOwner> owner;
  // `parent_task_id`; empty for a main task.
  std::string parent_task_id;
  // `last_updated_time_long`.
  absl::Time last_modified;
};

// The owner the task's link records: `linked` (the Projects owner as mapping's user links know
// them) when given; otherwise the Projects user alone, with an empty crm_user_id, so the CRM task
// is created with CRM's default owner. No owner in Projects: no owner (all ids empty).
Owner OwnerOfProjectsTask(const ProjectsTaskValues& task, const std::optional<Owner>& linked);

// The canonical state of the six fields of `task` (with `owner` from OwnerOfProjectsTask): each
// version 1, source side Projects, source time task.last_modified, source event `event_id`.
// FAILED_PRECONDITION, a sentence naming the value, when a value cannot be taken: a title empty
// or over 255 characters, a description over 32,000, a priority or status the portal's Projects
// maps do not list.
absl::StatusOr<CanonicalTask> CanonicalFromProjects(const ProjectsTaskValues& task,
                                                    const ValueMaps& maps, const Owner& owner,
                                                    absl::string_view event_id);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_CHANGE_PROJECTS_TASK_H_

#include "services/sync/ingest/task_changes.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/crypto/digest.h"

namespace crmsync::sync {
namespace {

Date DateOf(const std::optional<absl::CivilDay>& day) {
  if (!day) return Date{};
  return Date{static_cast<int>(day->year()), day->month(), day->day()};
}

// A user named by Zoho as an id or, by some portals, an email.
Actor ActorNamed(absl::string_view user) {
  Actor actor;
  if (absl::StrContains(user, '@')) {
    actor.email = std::string(user);
  } else {
    actor.user_id = std::string(user);
  }
  return actor;
}

// CRM's Modified_Time counts whole seconds, so two edits within one second share it: the event id
// also names the synced values the task has, so that the second edit is not taken for a
// redelivery of the first, while a redelivery (the same values) still is.
std::string CrmValuesDigest(const zoho::CrmTask& task) {
  std::string values;
  for (const std::string& value :
       {task.subject, task.description.value_or(""),
        task.due_date ? absl::FormatCivilTime(*task.due_date) : std::string(),
        task.priority.value_or(""), task.status.value_or(""),
        task.owner ? task.owner->id : std::string()}) {
    absl::StrAppend(&values, value.size(), ":", value);
  }
  return crypto::Sha256Hex(values).substr(0, 16);
}

}  // namespace

TaskChange ChangeFromCrmTask(absl::string_view portal_id, const zoho::CrmTask& task) {
  TaskChange change;
  change.portal_id = std::string(portal_id);
  change.origin_side = Side::kCrm;
  change.event_id = absl::StrCat(
      task.id, "@",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", task.modified_time, absl::UTCTimeZone()), "#",
      CrmValuesDigest(task));
  change.task_id = task.id;
  change.fields.title = task.subject;
  change.fields.description = task.description.value_or("");
  change.fields.end_date = DateOf(task.due_date);
  change.fields.priority = PriorityInput(task.priority.value_or(""));
  if (task.status) change.fields.status = StatusInput(*task.status);
  if (task.owner) change.fields.owner_user_id = task.owner->id;
  if (task.modified_by) {
    change.actor.user_id = task.modified_by->id;
    change.actor.display_name = task.modified_by->name.value_or("");
  }
  change.source_modified_time = task.modified_time;
  return change;
}

TaskChange ChangeFromProjectsTask(absl::string_view portal_id, absl::string_view project_id,
                                  const zoho::ProjectsTask& task) {
  TaskChange change;
  change.portal_id = std::string(portal_id);
  change.origin_side = Side::kProjects;
  change.event_id = absl::StrCat(task.id, "@", absl::ToUnixMillis(task.last_updated_time));
  change.task_id = task.id;
  change.project_id = std::string(project_id);
  change.fields.title = task.name;
  change.fields.description = task.description.value_or("");
  change.fields.end_date = DateOf(task.end_date);
  change.fields.priority = PriorityInput(task.priority);
  // Projects statuses are custom per portal; their type says open or closed (the default map).
  const bool closed = task.completed || task.status.type == "closed";
  change.fields.status = StatusInput(closed ? TaskStatus::kClosed : TaskStatus::kOpen);
  change.fields.owner_user_id = task.owners.empty() ? "" : task.owners.front().id;
  if (task.last_updated_by) change.actor = ActorNamed(*task.last_updated_by);
  change.source_modified_time = task.last_updated_time;
  return change;
}

}  // namespace crmsync::sync

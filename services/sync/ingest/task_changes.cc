#include "services/sync/ingest/task_changes.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/crypto/digest.h"
#include "nlohmann/json.hpp"
#include "services/sync/change/validation.h"

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

}  // namespace

TaskChange ChangeFromCrmTask(absl::string_view portal_id, const zoho::CrmTask& task) {
  TaskChange change;
  change.portal_id = std::string(portal_id);
  change.origin_side = Side::kCrm;
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
  // CRM's Modified_Time has whole seconds: two versions of one second (sync's own write and a
  // person's edit right after it) differ only by their values.
  const nlohmann::json values = {task.subject,
                                 task.description.value_or(""),
                                 task.due_date ? absl::FormatCivilTime(*task.due_date) : "",
                                 task.priority.value_or(""),
                                 task.status.value_or(""),
                                 task.owner ? task.owner->id : ""};
  change.event_id = absl::StrCat(
      task.id, "@",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", task.modified_time, absl::UTCTimeZone()), "#",
      crypto::Sha256Hex(values.dump()).substr(0, 16));
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

TaskChange DeletionChange(absl::string_view portal_id, Side side, absl::string_view task_id,
                          absl::Time when, Actor actor) {
  TaskChange change;
  change.portal_id = std::string(portal_id);
  change.origin_side = side;
  change.event_id = absl::StrCat(task_id, "@deleted");
  change.task_id = std::string(task_id);
  change.task_deleted = true;
  change.actor = std::move(actor);
  change.source_modified_time = when;
  return change;
}

absl::StatusOr<std::optional<ProcessedChange>> SubmitReadChange(ChangePipeline& pipeline,
                                                                SyncMetrics& metrics,
                                                                const TaskChange& change,
                                                                absl::string_view reader,
                                                                absl::Time deadline) {
  if (absl::Status valid = ValidateChange(change, "change", EventIdRule::kRequired); !valid.ok()) {
    LogWarning(absl::StrCat(reader, "'s change cannot be submitted; skipped"),
               {{"portal_id", change.portal_id},
                {"origin", std::string(SideKey(change.origin_side))},
                {"task_id", change.task_id},
                {"error", valid.ToString()}});
    return std::nullopt;
  }
  ASSIGN_OR_RETURN(ProcessedChange processed, pipeline.Submit(change, deadline));
  metrics.Processed(change.origin_side, processed.outcome.decision, processed.outcome.duplicate);
  return processed;
}

}  // namespace crmsync::sync

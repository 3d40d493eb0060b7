#include "services/sync/change/projects_task.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/sync/change/validation.h"

namespace crmsync::sync {
namespace {

absl::Status CannotTake(absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("The Projects task cannot be added to CRM: ", why));
}

}  // namespace

Owner OwnerOfProjectsTask(const ProjectsTaskValues& task, const std::optional<Owner>& linked) {
  if (!task.owner) return Owner{};
  if (linked) return *linked;
  return Owner{task.owner->email, "", task.owner->user_id, task.owner->name};
}

absl::StatusOr<CanonicalTask> CanonicalFromProjects(const ProjectsTaskValues& task,
                                                    const ValueMaps& maps, const Owner& owner,
                                                    absl::string_view event_id) {
  if (auto rejection = CheckTitle(task.name)) return CannotTake(rejection->message);
  if (auto rejection = CheckDescription(task.description)) return CannotTake(rejection->message);
  absl::StatusOr<Priority> priority = ReadPriority(maps, Side::kProjects, task.priority);
  if (!priority.ok()) return CannotTake(priority.status().message());
  absl::StatusOr<TaskStatus> status =
      ReadStatus(maps, Side::kProjects, task.status_name, task.status_type);
  if (!status.ok()) return CannotTake(status.status().message());

  const auto state = [&](FieldValue value) {
    return FieldState{std::move(value),      1, Side::kProjects, task.last_modified,
                      std::string(event_id), {}};
  };
  return CanonicalTask{{Field::kTitle, state(task.name)},
                       {Field::kDescription, state(task.description)},
                       {Field::kEndDate, state(EndDate(task.end_date))},
                       {Field::kPriority, state(*priority)},
                       {Field::kStatus, state(*status)},
                       {Field::kOwner, state(owner)}};
}

}  // namespace crmsync::sync

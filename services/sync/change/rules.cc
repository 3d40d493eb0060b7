#include "services/sync/change/rules.h"

#include "absl/strings/str_cat.h"

namespace crmsync::sync {

std::optional<Rejection> CheckEndDateInStrictSchedule(const EndDate& end_date,
                                                      const ProjectSchedule& project) {
  if (!project.strict || !end_date.has_value()) return std::nullopt;
  if (project.start.has_value() && *end_date < *project.start) {
    return Rejection{
        FailureReason::kDueDateBeyondStrictSchedule,
        absl::StrCat("End date ", DisplayDate(*end_date), " is before the start of strict project ",
                     project.project_name, " (", DisplayDate(*project.start), ")")};
  }
  if (project.end.has_value() && *end_date > *project.end) {
    return Rejection{
        FailureReason::kDueDateBeyondStrictSchedule,
        absl::StrCat("End date ", DisplayDate(*end_date), " is after the end of strict project ",
                     project.project_name, " (", DisplayDate(*project.end), ")")};
  }
  return std::nullopt;
}

std::optional<Rejection> CheckReopenUnderClosedParent(TaskStatus new_status,
                                                      const std::optional<ParentTask>& parent) {
  if (new_status != TaskStatus::kOpen || !parent.has_value() ||
      parent->status != TaskStatus::kClosed) {
    return std::nullopt;
  }
  return Rejection{FailureReason::kSubtaskParentClosed,
                   absl::StrCat("Subtask cannot be reopened while its parent task \"",
                                parent->title, "\" is closed in Zoho Projects")};
}

}  // namespace crmsync::sync

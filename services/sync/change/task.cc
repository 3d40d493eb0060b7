#include "services/sync/change/task.h"

#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace crmsync::sync {
namespace {

struct FieldNames {
  Field field;
  absl::string_view name;
  absl::string_view display;
};
constexpr FieldNames kFieldNames[] = {
    {Field::kTitle, "title", "title"},         {Field::kDescription, "description", "description"},
    {Field::kEndDate, "end_date", "end date"}, {Field::kPriority, "priority", "priority"},
    {Field::kStatus, "status", "status"},      {Field::kOwner, "owner", "owner"},
};

const FieldNames& NamesOf(Field field) {
  for (const FieldNames& names : kFieldNames) {
    if (names.field == field) return names;
  }
  return kFieldNames[0];
}

std::string DisplayOwner(const Owner& owner) {
  if (!owner.email.empty()) return owner.email;
  if (!owner.display_name.empty()) return owner.display_name;
  if (!owner.crm_user_id.empty()) return absl::StrCat("Zoho CRM user ", owner.crm_user_id);
  if (!owner.projects_user_id.empty()) {
    return absl::StrCat("Zoho Projects user ", owner.projects_user_id);
  }
  return "no owner";
}

constexpr std::pair<FailureReason, absl::string_view> kReasonNames[] = {
    {FailureReason::kDueDateBeyondStrictSchedule, "due_date_beyond_strict_schedule"},
    {FailureReason::kSubtaskParentClosed, "subtask_parent_closed"},
    {FailureReason::kUnknownOwner, "unknown_owner"},
    {FailureReason::kInvalidValue, "invalid_value"},
    {FailureReason::kTaskDeletedOnOtherSide, "task_deleted_on_other_side"},
    {FailureReason::kTaskNotLinked, "task_not_linked"},
    {FailureReason::kDeliveryRefused, "delivery_refused"},
    {FailureReason::kDeliveryRetriesExhausted, "delivery_retries_exhausted"},
    {FailureReason::kGrantBroken, "grant_broken"},
};

}  // namespace

absl::string_view ReasonName(FailureReason reason) {
  for (const auto& [r, name] : kReasonNames) {
    if (r == reason) return name;
  }
  return "";
}

std::optional<FailureReason> ReasonFromName(absl::string_view name) {
  for (const auto& [reason, n] : kReasonNames) {
    if (n == name) return reason;
  }
  return std::nullopt;
}

absl::string_view FieldName(Field field) { return NamesOf(field).name; }

std::optional<Field> FieldFromName(absl::string_view name) {
  for (const FieldNames& names : kFieldNames) {
    if (names.name == name) return names.field;
  }
  return std::nullopt;
}

absl::string_view FieldDisplayName(Field field) { return NamesOf(field).display; }

Side OtherSide(Side side) {
  switch (side) {
    case Side::kCrm:
      return Side::kProjects;
    case Side::kProjects:
      return Side::kCrm;
    case Side::kUnspecified:
      break;
  }
  return Side::kUnspecified;
}

const std::string& UserIdOn(const Owner& owner, Side side) {
  static const std::string* const kNone = new std::string();
  switch (side) {
    case Side::kCrm:
      return owner.crm_user_id;
    case Side::kProjects:
      return owner.projects_user_id;
    case Side::kUnspecified:
      break;
  }
  return *kNone;
}

bool SameValue(const FieldValue& a, const FieldValue& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&b](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        const T& other = std::get<T>(b);
        if constexpr (std::is_same_v<T, Owner>) {
          return value.crm_user_id == other.crm_user_id &&
                 value.projects_user_id == other.projects_user_id;
        } else {
          return value == other;
        }
      },
      a);
}

absl::string_view PriorityDisplayName(Priority priority) {
  switch (priority) {
    case Priority::kNone:
      return "None";
    case Priority::kLow:
      return "Low";
    case Priority::kMedium:
      return "Medium";
    case Priority::kHigh:
      return "High";
    case Priority::kUnspecified:
      break;
  }
  return "unspecified";
}

absl::string_view StatusDisplayName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kOpen:
      return "Open";
    case TaskStatus::kClosed:
      return "Closed";
    case TaskStatus::kUnspecified:
      break;
  }
  return "unspecified";
}

std::string DisplayDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string DisplayValue(const FieldValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return absl::StrCat("\"", v, "\"");
        } else if constexpr (std::is_same_v<T, EndDate>) {
          if (!v.has_value()) return "no end date";
          return DisplayDate(*v);
        } else if constexpr (std::is_same_v<T, Priority>) {
          return std::string(PriorityDisplayName(v));
        } else if constexpr (std::is_same_v<T, TaskStatus>) {
          return std::string(StatusDisplayName(v));
        } else {
          return DisplayOwner(v);
        }
      },
      value);
}

absl::StatusOr<EndDate> EndDateFromDate(const Date& date) {
  if (date.year == 0 && date.month == 0 && date.day == 0) return EndDate();
  if (date.year < 1 || date.year > 9999) {
    return absl::InvalidArgumentError(absl::StrCat("year ", date.year, " is out of range"));
  }
  if (date.month < 1 || date.month > 12) {
    return absl::InvalidArgumentError(absl::StrCat("month ", date.month, " is out of range"));
  }
  const absl::CivilDay day(date.year, date.month, date.day);
  if (date.day < 1 || day.month() != date.month || day.day() != date.day) {
    return absl::InvalidArgumentError(
        absl::StrFormat("day %d does not exist in %04d-%02d", date.day, date.year, date.month));
  }
  return EndDate(day);
}

bool NoFields(const TaskFields& fields) {
  return !fields.title && !fields.description && !fields.end_date && !fields.priority &&
         !fields.status && !fields.owner_user_id;
}

}  // namespace crmsync::sync

// The canonical task model of the sync service: the six synced fields, each field's canonical
// value with its version and source time, and a change made to one task on one side. Plain
// structs, no I/O. Enum values equal those of crmsync.sync.v1 and crmsync.common.v1, so the gRPC
// adapter converts with a cast (and ValidateChange refuses values outside the enums).
#ifndef CRMSYNC_SERVICES_SYNC_CHANGE_TASK_H_
#define CRMSYNC_SERVICES_SYNC_CHANGE_TASK_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/common/side.h"

namespace crmsync::sync {

using ::crmsync::Side;  // libs/common/side.h, with SideDisplayName

// crmsync.sync.v1.TaskField, without UNSPECIFIED: a field is always one of the six.
enum class Field {
  kTitle = 1,
  kDescription = 2,
  kEndDate = 3,
  kPriority = 4,
  kStatus = 5,
  kOwner = 6,
};
inline constexpr Field kAllFields[] = {Field::kTitle,    Field::kDescription, Field::kEndDate,
                                       Field::kPriority, Field::kStatus,      Field::kOwner};

// crmsync.common.v1.Priority. UNSPECIFIED is never a canonical value.
enum class Priority { kUnspecified = 0, kNone = 1, kLow = 2, kMedium = 3, kHigh = 4 };

// crmsync.common.v1.TaskStatus. UNSPECIFIED is never a canonical value.
enum class TaskStatus { kUnspecified = 0, kOpen = 1, kClosed = 2 };

// crmsync.sync.v1.Outcome.
enum class Outcome {
  kUnspecified = 0,
  kApplied = 1,
  kDuplicate = 2,
  kEcho = 3,
  kStale = 4,
  kRejected = 5,
};

// crmsync.sync.v1.FailureReason: the reasons a change can be refused with (1..6), and those of
// a write to Zoho that failed (7..9).
enum class FailureReason {
  kUnspecified = 0,
  kDueDateBeyondStrictSchedule = 1,
  kSubtaskParentClosed = 2,
  kUnknownOwner = 3,
  kInvalidValue = 4,
  kTaskDeletedOnOtherSide = 5,
  kTaskNotLinked = 6,
  kDeliveryRefused = 7,
  kDeliveryRetriesExhausted = 8,
  kGrantBroken = 9,
};

// The reason's stable lower-case name ("due_date_beyond_strict_schedule", ...): its value in the
// database (failures.reason) and its metric label; "" for kUnspecified.
absl::string_view ReasonName(FailureReason reason);
// The reason ReasonName names; nullopt for any other text.
std::optional<FailureReason> ReasonFromName(absl::string_view name);

// crmsync.sync.v1.LinkState.
enum class LinkState {
  kUnspecified = 0,
  kActive = 1,
  kPendingCreate = 2,
  kDeletedInCrm = 3,
  kDeletedInProjects = 4,
};

// The field's stable lower-case name ("title", "end_date", ...): its value in the database
// (task_fields.field) and its metric label.
absl::string_view FieldName(Field field);
std::optional<Field> FieldFromName(absl::string_view name);
// The field as a person names it in a sentence: "title", "end date", ...
absl::string_view FieldDisplayName(Field field);
// kCrm ⇄ kProjects; kUnspecified stays.
Side OtherSide(Side side);

// A task's end date; nullopt: the task has no end date.
using EndDate = std::optional<absl::CivilDay>;

// A task owner across both sides, linked by email. All ids empty: no owner.
struct Owner {
  std::string email;
  std::string crm_user_id;
  std::string projects_user_id;
  std::string display_name;
};
// The owner's user id on `side` ("" for kUnspecified).
const std::string& UserIdOn(const Owner& owner, Side side);

// A canonical value. Which member is held depends on the field: text for TITLE and DESCRIPTION,
// EndDate for END_DATE, Priority, TaskStatus, Owner.
using FieldValue = std::variant<std::string, EndDate, Priority, TaskStatus, Owner>;

// True when `a` and `b` are the same canonical value. Owners are the same when their user ids on
// both sides are (email and name are descriptive and may be refreshed).
bool SameValue(const FieldValue& a, const FieldValue& b);
// The value as a sentence shows it: text quoted, dates yyyy-mm-dd, "no end date", "High",
// "Open", an owner's email (or name or id), "no owner".
std::string DisplayValue(const FieldValue& value);
// A calendar date as people and notifications read it: yyyy-mm-dd.
std::string DisplayDate(absl::CivilDay day);
// "None", "Low", "Medium", "High"; "Open", "Closed".
absl::string_view PriorityDisplayName(Priority priority);
absl::string_view StatusDisplayName(TaskStatus status);

// The canonical state of one field.
struct FieldState {
  FieldValue value;
  // 1 for the first value, +1 per applied change.
  int64_t version = 0;
  Side source_side = Side::kUnspecified;
  // The origin side's modified time of the change that set it; compared for staleness.
  absl::Time source_time;
  std::string source_event_id;
  // The value each side last held for the field as crmsync read it there; a side is absent
  // while unknown. A read of that side showing it again is no edit of the field.
  std::map<Side, FieldValue> held;
};

// A linked task's canonical state: the fields that have a canonical value.
using CanonicalTask = std::map<Field, FieldState>;

// A calendar date as the API carries it (crmsync.common.v1.Date): all zero is "no date".
struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
};
// The end date `date` stands for; INVALID_ARGUMENT (e.g. "month 13 is out of range", "day 31
// does not exist in 2026-02") for a partially zero or impossible date.
absl::StatusOr<EndDate> EndDateFromDate(const Date& date);

// The user who made a change, as the origin side knows them.
struct Actor {
  std::string user_id;
  std::string email;
  std::string display_name;
};

// A priority or status as a change carries it: canonical, or the origin side's raw value, which
// the portal's value maps translate.
using PriorityInput = std::variant<Priority, std::string>;
using StatusInput = std::variant<TaskStatus, std::string>;

// The fields a change carries (crmsync.sync.v1.TaskFields); nullopt: not changed.
struct TaskFields {
  std::optional<std::string> title;
  std::optional<std::string> description;
  // Date{} clears the end date.
  std::optional<Date> end_date;
  std::optional<PriorityInput> priority;
  std::optional<StatusInput> status;
  // The owner's user id on the origin side; "" clears the owner.
  std::optional<std::string> owner_user_id;
};
// True when no field is carried.
bool NoFields(const TaskFields& fields);

// A change made to one task on one side (crmsync.sync.v1.TaskChange).
struct TaskChange {
  std::string portal_id;
  Side origin_side = Side::kUnspecified;
  std::string event_id;
  // The task's id on the origin side.
  std::string task_id;
  // Optional: the link knows it.
  std::string project_id;
  TaskFields fields;
  // The task was deleted on the origin side; then no field is carried.
  bool task_deleted = false;
  Actor actor;
  // Required; nullopt only in a request that ValidateChange refuses.
  std::optional<absl::Time> source_modified_time;
};

// crmsync.sync.v1.CommentAction.
enum class CommentAction { kUnspecified = 0, kAdd = 1, kDelete = 2 };

// A comment added to or deleted from a task on one side (crmsync.sync.v1.CommentChange).
struct CommentChange {
  std::string portal_id;
  Side origin_side = Side::kUnspecified;
  std::string event_id;
  std::string task_id;
  std::string comment_id;
  CommentAction action = CommentAction::kUnspecified;
  // ADD: plain text; ignored for DELETE.
  std::string content;
  Actor author;
  std::optional<absl::Time> source_modified_time;
};

// Why a change (or one of its fields) is refused, as a person reads it.
struct Rejection {
  FailureReason reason = FailureReason::kUnspecified;
  // A sentence without a final period, e.g. "End date 2025-07-15 is after the end of strict
  // project Data Migration (2025-06-30)".
  std::string message;

  friend bool operator==(const Rejection&, const Rejection&) = default;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_CHANGE_TASK_H_

#include "services/sync/change/decision.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "services/sync/change/validation.h"

namespace crmsync::sync {
namespace {

const FieldState* CurrentOf(const CanonicalTask& canonical, Field field) {
  auto it = canonical.find(field);
  return it == canonical.end() ? nullptr : &it->second;
}

bool Carries(const TaskFields& fields, Field field) {
  switch (field) {
    case Field::kTitle:
      return fields.title.has_value();
    case Field::kDescription:
      return fields.description.has_value();
    case Field::kEndDate:
      return fields.end_date.has_value();
    case Field::kPriority:
      return fields.priority.has_value();
    case Field::kStatus:
      return fields.status.has_value();
    case Field::kOwner:
      return fields.owner_user_id.has_value();
  }
  return false;
}

LinkState DeletedIn(Side side) {
  return side == Side::kCrm ? LinkState::kDeletedInCrm : LinkState::kDeletedInProjects;
}

ChangeDecision Deletion(const TaskChange& change, const TaskContext& context) {
  ChangeDecision decision;
  if (*context.link == DeletedIn(change.origin_side)) {
    decision.result = Outcome::kEcho;
    decision.message = absl::StrCat("The task's deletion in ", SideDisplayName(change.origin_side),
                                    " is already recorded");
    return decision;
  }
  decision.result = Outcome::kApplied;
  decision.marks_task_deleted = true;
  decision.message =
      absl::StrCat("Task deleted in ", SideDisplayName(change.origin_side), "; the linked task in ",
                   SideDisplayName(OtherSide(change.origin_side)), " is kept");
  return decision;
}

// A carried value in canonical terms, or why it cannot be applied (then `value` is the attempted
// value when there is one).
struct Translation {
  std::optional<FieldValue> value;
  std::optional<Rejection> rejection;
};

Translation Refused(Rejection rejection, std::optional<FieldValue> attempted = std::nullopt) {
  return {std::move(attempted), std::move(rejection)};
}

// A value map's answer: NOT_FOUND carries the sentence of the INVALID_VALUE rejection.
template <typename Canonical>
Translation FromMap(const absl::StatusOr<Canonical>& read) {
  if (!read.ok()) {
    return Refused({FailureReason::kInvalidValue, std::string(read.status().message())});
  }
  return {*read, std::nullopt};
}

Translation TranslateOwner(const TaskChange& change, const TaskContext& context) {
  const std::string& user_id = *change.fields.owner_user_id;
  const Side origin = change.origin_side;
  const Side other = OtherSide(origin);
  if (user_id.empty()) {
    if (origin == Side::kCrm) {
      return Refused(
          {FailureReason::kInvalidValue, "A Zoho CRM task cannot be left without an owner"},
          Owner{});
    }
    return {Owner{}, std::nullopt};
  }
  if (!context.owner.has_value()) {
    return Refused({FailureReason::kUnknownOwner,
                    absl::StrCat("The new owner (", SideDisplayName(origin), " user ", user_id,
                                 ") is not a known user of this portal")});
  }
  const Owner& owner = *context.owner;
  if (UserIdOn(owner, other).empty()) {
    return Refused({FailureReason::kUnknownOwner,
                    absl::StrCat("The new owner ", DisplayValue(owner),
                                 " has no user with the same email in ", SideDisplayName(other))},
                   owner);
  }
  return {owner, std::nullopt};
}

absl::StatusOr<Translation> Translate(Field field, const TaskChange& change, const ValueMaps& maps,
                                      const TaskContext& context) {
  const TaskFields& fields = change.fields;
  switch (field) {
    case Field::kTitle:
      if (auto problem = CheckTitle(*fields.title)) return Refused(*problem, *fields.title);
      return Translation{*fields.title, std::nullopt};
    case Field::kDescription:
      if (auto problem = CheckDescription(*fields.description)) {
        return Refused(*problem, *fields.description);
      }
      return Translation{*fields.description, std::nullopt};
    case Field::kEndDate: {
      ASSIGN_OR_RETURN(EndDate end_date, EndDateFromDate(*fields.end_date));
      return Translation{end_date, std::nullopt};
    }
    case Field::kPriority:
      if (const auto* raw = std::get_if<std::string>(&*fields.priority)) {
        return FromMap(ReadPriority(maps, change.origin_side, *raw));
      }
      return Translation{std::get<Priority>(*fields.priority), std::nullopt};
    case Field::kStatus:
      if (const auto* raw = std::get_if<std::string>(&*fields.status)) {
        return FromMap(ReadStatus(maps, change.origin_side, *raw));
      }
      return Translation{std::get<TaskStatus>(*fields.status), std::nullopt};
    case Field::kOwner:
      if (!fields.owner_user_id->empty() && context.owner.has_value() &&
          UserIdOn(*context.owner, change.origin_side) != *fields.owner_user_id) {
        return absl::InternalError("the owner looked up is not the change's owner");
      }
      return TranslateOwner(change, context);
  }
  return absl::InternalError("unknown field");
}

// True when the origin side still holds the value crmsync last read there. A read of a task
// gives every field the record's one modified time, which a write of another field (crmsync's
// own among them) makes newer than another side's later edit of this one: an unchanged value
// is no edit, however new that time is.
bool UnchangedOnOrigin(const FieldState* current, Side origin, const FieldValue& value) {
  if (current == nullptr) return false;
  auto it = current->held.find(origin);
  return it != current->held.end() && SameValue(it->second, value);
}

// The applied end date a CRM change must check against the strict schedule.
bool NeedsSchedule(const FieldDecision& field) {
  return field.field == Field::kEndDate && field.result == Outcome::kApplied &&
         std::get<EndDate>(*field.value).has_value();
}

// The applied status a CRM change must check against the parent's.
bool NeedsParent(const FieldDecision& field, const TaskContext& context) {
  return field.field == Field::kStatus && field.result == Outcome::kApplied && context.is_subtask &&
         std::get<TaskStatus>(*field.value) == TaskStatus::kOpen;
}

// Step 7 on one field that would be applied: the rejection a rule gives, if any.
absl::StatusOr<std::optional<Rejection>> CheckRules(const FieldDecision& field,
                                                    const TaskContext& context) {
  if (NeedsSchedule(field)) {
    if (!context.schedule.has_value()) {
      return absl::InternalError("the rules need the project's schedule, which was not read");
    }
    return CheckEndDateInStrictSchedule(std::get<EndDate>(*field.value), *context.schedule);
  }
  if (NeedsParent(field, context)) {
    if (!context.parent.has_value()) {
      return absl::InternalError("the rules need the parent task's status, which was not read");
    }
    return CheckReopenUnderClosedParent(std::get<TaskStatus>(*field.value), context.parent);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Rejection> CheckLink(Side origin, absl::string_view task_id,
                                   const std::optional<LinkState>& link) {
  const Side other = OtherSide(origin);
  if (!link.has_value()) {
    return Rejection{FailureReason::kTaskNotLinked,
                     absl::StrCat(SideDisplayName(origin), " task ", task_id,
                                  " is not linked to a ", SideDisplayName(other), " task")};
  }
  if (*link == DeletedIn(other)) {
    return Rejection{
        FailureReason::kTaskDeletedOnOtherSide,
        absl::StrCat("The linked task was deleted in ", SideDisplayName(other), "; changes from ",
                     SideDisplayName(origin), " are no longer synced")};
  }
  return std::nullopt;
}

NeededReads NeededReadsFor(const TaskChange& change, const ValueMaps& maps,
                           const TaskContext& context) {
  NeededReads reads;
  if (!context.link.has_value() || change.task_deleted ||
      !change.source_modified_time.has_value()) {
    return reads;
  }
  // A change to a task deleted on the other side is judged only for whether it brings anything
  // new: no rule is checked.
  const bool deleted_on_other_side =
      CheckLink(change.origin_side, change.task_id, context.link).has_value();
  for (Field field : kAllFields) {
    if (!Carries(change.fields, field)) continue;
    const FieldState* current = CurrentOf(context.canonical, field);
    if (IsStale(current, *change.source_modified_time)) continue;
    if (field == Field::kOwner) {
      reads.owner = !change.fields.owner_user_id->empty();
      continue;
    }
    if (change.origin_side != Side::kCrm || deleted_on_other_side) continue;
    auto translation = Translate(field, change, maps, context);
    if (!translation.ok() || !translation->value.has_value() || translation->rejection) continue;
    if (UnchangedOnOrigin(current, change.origin_side, *translation->value)) continue;
    const FieldDecision decision =
        MergeField(field, current, *translation->value, *change.source_modified_time);
    reads.schedule = reads.schedule || NeedsSchedule(decision);
    reads.parent = reads.parent || NeedsParent(decision, context);
  }
  return reads;
}

absl::StatusOr<ChangeDecision> DecideChange(const TaskChange& change, const ValueMaps& maps,
                                            const TaskContext& context) {
  if (!change.source_modified_time.has_value()) {
    return absl::InvalidArgumentError("change.source_modified_time: required");
  }
  std::optional<Rejection> link_rejection =
      CheckLink(change.origin_side, change.task_id, context.link);
  if (link_rejection.has_value() && (!context.link.has_value() || change.task_deleted)) {
    return RejectChange(*std::move(link_rejection));
  }
  if (change.task_deleted) return Deletion(change, context);

  std::vector<FieldDecision> fields;
  std::map<Field, FieldValue> origin_values;
  bool refused = false;
  for (Field field : kAllFields) {
    if (!Carries(change.fields, field)) continue;
    const FieldState* current = CurrentOf(context.canonical, field);
    if (IsStale(current, *change.source_modified_time)) {
      fields.push_back(StaleField(field, current));
      continue;
    }
    ASSIGN_OR_RETURN(Translation translation, Translate(field, change, maps, context));
    if (translation.rejection.has_value()) {
      refused = true;
      fields.push_back(RejectField(field, current, *std::move(translation.rejection),
                                   std::move(translation.value)));
      continue;
    }
    origin_values.emplace(field, *translation.value);
    if (UnchangedOnOrigin(current, change.origin_side, *translation.value)) {
      fields.push_back(EchoField(field, current));
      continue;
    }
    fields.push_back(MergeField(field, current, *translation.value, *change.source_modified_time));
  }
  // A task deleted on the other side takes no change, but a read of its side showing only what
  // that side held already (crmsync's own last write coming back) or older values is no change
  // to refuse.
  if (link_rejection.has_value()) {
    ChangeDecision decision = Combine(std::move(fields));
    if (decision.result == Outcome::kApplied || decision.result == Outcome::kRejected) {
      return RejectChange(*std::move(link_rejection));
    }
    decision.origin_values = std::move(origin_values);
    return decision;
  }
  // The rules read Projects; a change already refused is not worth their reads.
  if (!refused && change.origin_side == Side::kCrm) {
    for (FieldDecision& field : fields) {
      ASSIGN_OR_RETURN(std::optional<Rejection> rejection, CheckRules(field, context));
      if (rejection.has_value()) {
        field = RejectField(field.field, CurrentOf(context.canonical, field.field),
                            *std::move(rejection), std::move(field.value));
      }
    }
  }
  ChangeDecision decision = Combine(std::move(fields));
  // A refused change applies nothing: its other values are judged again when next read.
  if (decision.result != Outcome::kRejected) decision.origin_values = std::move(origin_values);
  return decision;
}

}  // namespace crmsync::sync

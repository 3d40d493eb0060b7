#include "services/sync/change/merge.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace crmsync::sync {
namespace {

int64_t VersionOf(const FieldState* current) { return current == nullptr ? 0 : current->version; }

bool Any(const std::vector<FieldDecision>& fields, Outcome result) {
  return std::any_of(fields.begin(), fields.end(),
                     [result](const FieldDecision& field) { return field.result == result; });
}

std::string FieldList(const std::vector<FieldDecision>& fields, Outcome result) {
  std::vector<absl::string_view> names;
  for (const FieldDecision& field : fields) {
    if (field.result == result) names.push_back(FieldDisplayName(field.field));
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace

bool IsStale(const FieldState* current, absl::Time source_time) {
  return current != nullptr && source_time < current->source_time;
}

bool IsEcho(const FieldState* current, const FieldValue& value) {
  return current != nullptr && SameValue(current->value, value);
}

FieldDecision StaleField(Field field, const FieldState* current) {
  return {field, Outcome::kStale, VersionOf(current), std::nullopt, std::nullopt};
}

FieldDecision EchoField(Field field, const FieldState* current) {
  return {field, Outcome::kEcho, VersionOf(current), std::nullopt, std::nullopt};
}

FieldDecision MergeField(Field field, const FieldState* current, const FieldValue& value,
                         absl::Time source_time) {
  if (IsStale(current, source_time)) return StaleField(field, current);
  if (IsEcho(current, value)) return EchoField(field, current);
  return {field, Outcome::kApplied, VersionOf(current) + 1, value, std::nullopt};
}

FieldDecision RejectField(Field field, const FieldState* current, Rejection rejection,
                          std::optional<FieldValue> attempted) {
  return {field, Outcome::kRejected, VersionOf(current), std::move(attempted),
          std::move(rejection)};
}

ChangeDecision Combine(std::vector<FieldDecision> fields) {
  std::sort(fields.begin(), fields.end(),
            [](const FieldDecision& a, const FieldDecision& b) { return a.field < b.field; });
  ChangeDecision decision;
  if (Any(fields, Outcome::kRejected)) {
    decision.result = Outcome::kRejected;
    std::vector<std::string> messages;
    for (FieldDecision& field : fields) {
      if (field.result != Outcome::kRejected) continue;
      if (decision.reason == FailureReason::kUnspecified) decision.reason = field.rejection->reason;
      messages.push_back(field.rejection->message);
      decision.fields.push_back(std::move(field));
    }
    decision.message = absl::StrJoin(messages, "; ");
    return decision;
  }
  if (Any(fields, Outcome::kApplied)) {
    decision.result = Outcome::kApplied;
    decision.message = absl::StrCat("Applied ", FieldList(fields, Outcome::kApplied));
  } else if (Any(fields, Outcome::kEcho)) {
    decision.result = Outcome::kEcho;
    decision.message = "Nothing to do: every value equals the current value";
  } else {
    decision.result = Outcome::kStale;
    decision.message = "Nothing applied: every field has a newer value";
  }
  decision.fields = std::move(fields);
  return decision;
}

ChangeDecision RejectChange(Rejection rejection) {
  ChangeDecision decision;
  decision.result = Outcome::kRejected;
  decision.reason = rejection.reason;
  decision.message = std::move(rejection.message);
  return decision;
}

}  // namespace crmsync::sync

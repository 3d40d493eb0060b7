// The per-field merge of the change pipeline: last writer wins per field by the origin side's
// modified time (step 4), a value equal to the canonical one is an echo (step 6), and a change is
// all or nothing with respect to rejections (step 8).
#ifndef CRMSYNC_SERVICES_SYNC_CHANGE_MERGE_H_
#define CRMSYNC_SERVICES_SYNC_CHANGE_MERGE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/sync/change/task.h"

namespace crmsync::sync {

// What happened to one field of a change (crmsync.sync.v1.FieldOutcome, plus the value).
struct FieldDecision {
  Field field = Field::kTitle;
  // kApplied, kEcho, kStale or kRejected.
  Outcome result = Outcome::kUnspecified;
  // The field's canonical version after processing: the current one + 1 when applied, else the
  // current one; 0 when the field has no canonical value.
  int64_t version = 0;
  // APPLIED: the new canonical value. REJECTED: the value attempted, when it could be translated
  // (for the failure record); otherwise unset.
  std::optional<FieldValue> value;
  // REJECTED only.
  std::optional<Rejection> rejection;
};

// The decision on a whole change (crmsync.sync.v1.ChangeOutcome without what only the store
// knows: ids, link, process time).
struct ChangeDecision {
  // kApplied, kEcho, kStale or kRejected.
  Outcome result = Outcome::kUnspecified;
  // REJECTED only: the reason of the first rejected field (or of the whole task).
  FailureReason reason = FailureReason::kUnspecified;
  // A sentence for people and logs.
  std::string message;
  // One entry per field carried, in Field order; when REJECTED only the rejected fields; none
  // for a deletion or a change the link refuses.
  std::vector<FieldDecision> fields;
  // APPLIED deletion: the task was deleted on the origin side; mark the link, apply no field.
  bool marks_task_deleted = false;
  // APPLIED, ECHO or STALE: what the origin side now holds for each field it carried that was
  // neither stale nor refused, in canonical terms (FieldState::held).
  std::map<Field, FieldValue> origin_values;
};

// True when a change made at `source_time` is older than the field's canonical value (`current`,
// null when the field has none). An equal time is not stale.
bool IsStale(const FieldState* current, absl::Time source_time);

// True when the field has a canonical value and `value` is the same (SameValue).
bool IsEcho(const FieldState* current, const FieldValue& value);

// The decision on a field whose change is older than its canonical value (IsStale); its new
// value is not looked at.
FieldDecision StaleField(Field field, const FieldState* current);

// The decision on a field whose change brings nothing new (an ECHO).
FieldDecision EchoField(Field field, const FieldState* current);

// Judges one field whose new value is known in canonical terms: STALE, else ECHO, else APPLIED.
FieldDecision MergeField(Field field, const FieldState* current, const FieldValue& value,
                         absl::Time source_time);

// A field refused with `rejection`; `attempted` is the value when it could be translated.
FieldDecision RejectField(Field field, const FieldState* current, Rejection rejection,
                          std::optional<FieldValue> attempted = std::nullopt);

// Combines the decisions on every field a change carries. All or nothing: if any field is
// rejected the change is REJECTED, lists only the rejected fields and applies none; otherwise it
// is APPLIED if any field is applied, else ECHO if any field is an echo, else STALE.
ChangeDecision Combine(std::vector<FieldDecision> fields);

// A change refused as a whole (TASK_NOT_LINKED, TASK_DELETED_ON_OTHER_SIDE): no field listed.
ChangeDecision RejectChange(Rejection rejection);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_CHANGE_MERGE_H_

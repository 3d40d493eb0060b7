// Step 1 of the change pipeline: is the request well formed? A malformed request is the caller's
// bug and INVALID_ARGUMENT whose message starts with the field path, e.g.
// "change.event_id: required". A well-formed request whose value cannot be applied (an empty or
// oversize title, ...) is not an error but a REJECTED INVALID_VALUE outcome: see the value checks
// at the end, which the pipeline applies to the fields that are not stale.
#ifndef CRMSYNC_SERVICES_SYNC_CHANGE_VALIDATION_H_
#define CRMSYNC_SERVICES_SYNC_CHANGE_VALIDATION_H_

#include <cstddef>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libs/common/ids.h"
#include "services/sync/change/task.h"

namespace crmsync::sync {

// Size limits, in characters (Unicode code points), of what the other side accepts.
inline constexpr size_t kMaxTitleCharacters = 255;
inline constexpr size_t kMaxDescriptionCharacters = 32000;
inline constexpr size_t kMaxCommentCharacters = 10000;
// BatchSubmitChanges takes 1..kMaxBatchChanges changes.
inline constexpr size_t kMaxBatchChanges = 100;
// Bounds of a well-formed request (sync.proto), past which a text is not a value a person could
// have typed but a malformed request (INVALID_ARGUMENT): a title up to kMaxTitleInputCharacters
// is still a value, refused past kMaxTitleCharacters as REJECTED INVALID_VALUE.
inline constexpr size_t kMaxTitleInputCharacters = 1000;
inline constexpr size_t kMaxTextInputCharacters = 64000;  // description, comment content
inline constexpr size_t kMaxSideValueCharacters = 255;    // side_priority, side_status
inline constexpr size_t kMaxDisplayNameCharacters = 255;  // actor / author display_name

// CheckChange may omit the event id; SubmitChange may not.
enum class EventIdRule { kRequired, kOptional };

// Checks a SubmitChange / CheckChange change as crmsync.sync.v1.SubmitChange lists: portal_id,
// origin_side, event_id (1..255 printable ASCII), task_id, project_id (when given),
// source_modified_time, fields (at least one unless task_deleted, none with it), the bounds of
// title, description, side_priority and side_status, end_date, priority / status (canonical
// UNSPECIFIED or unknown), owner_user_id (when not empty), actor (user_id or email;
// display_name's bound). `path` prefixes every field ("change", "changes[3]").
absl::Status ValidateChange(const TaskChange& change, absl::string_view path, EventIdRule rule);

// Checks a BatchSubmitChanges request as a whole: 1..100 changes, each as ValidateChange with
// the path "changes[i]". One malformed change fails the batch.
absl::Status ValidateBatch(const std::vector<TaskChange>& changes);

// Checks a SubmitComment comment: portal_id, origin_side, event_id, task_id, comment_id, action,
// content's bound, source_modified_time, and author.user_id / author.email when given.
absl::Status ValidateComment(const CommentChange& comment, absl::string_view path);

// Checks the actor at `path` (e.g. "change.actor"): user_id (a record id) and email when given,
// display_name's bound; one of user_id and email when `required`.
absl::Status ValidateActor(const Actor& actor, absl::string_view path, bool required);

// The number of Unicode code points of UTF-8 `text`.
size_t CharacterCount(absl::string_view text);

// Value checks (INVALID_VALUE): nullopt when acceptable, else the rejection a person reads.
// A title is 1..255 characters.
std::optional<Rejection> CheckTitle(absl::string_view title);
// A description is at most 32,000 characters; empty clears it.
std::optional<Rejection> CheckDescription(absl::string_view description);
// An added comment is 1..10,000 characters; a deletion carries none and is always acceptable.
std::optional<Rejection> CheckCommentContent(const CommentChange& comment);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_CHANGE_VALIDATION_H_

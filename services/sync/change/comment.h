// The decision on a comment added to or deleted from a linked task (SubmitComment): copy it to,
// or delete its copy from, the other side, unless it is crmsync's own copy coming back. Pure: the
// caller reads the link and what it knows of the comment first.
#ifndef CRMSYNC_SERVICES_SYNC_CHANGE_COMMENT_H_
#define CRMSYNC_SERVICES_SYNC_CHANGE_COMMENT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "services/sync/change/merge.h"
#include "services/sync/change/task.h"

namespace crmsync::sync {

// What is known about the comment's task and the comment itself.
struct CommentContext {
  // The task's link state; nullopt when the task is not linked.
  std::optional<LinkState> link;
  // The comment is a copy crmsync itself wrote on the origin side.
  bool is_our_copy = false;
  // crmsync copied this comment to the other side, so a deletion has a copy to delete.
  bool has_copy = false;
  // crmsync copied this comment to the other side, whether or not it was deleted since: a
  // repeated ADD (a new event for the same comment) has nothing to do.
  bool copied = false;
};

// TASK_NOT_LINKED as for changes; ECHO for crmsync's own copy coming back and for an added
// comment copied already (even on a task deleted on the other side); TASK_DELETED_ON_OTHER_SIDE
// as for changes; ECHO for the deletion of a comment never copied; REJECTED INVALID_VALUE for an
// added comment that is empty or longer than 10,000 characters; otherwise APPLIED (the copy or its
// deletion is to be queued). The decision lists no fields.
ChangeDecision DecideComment(const CommentChange& comment, const CommentContext& context);

// What crmsync puts at the end of the copy `copy_id` of a comment: zero-width characters, unseen
// by people, that find the copy again when the outcome of its write was lost.
std::string CopyMarker(int64_t copy_id);
// True when `text` ends with a CopyMarker: a copy crmsync wrote, even one whose id it never
// recorded (a create Zoho carried out twice).
bool EndsWithCopyMarker(absl::string_view text);

// How the copy on the other side names the comment's author: "Linda Smith (via Zoho CRM)" (the
// display name, else the email, else the user id).
std::string CopyAttribution(const Actor& author, Side origin);

// The text of an added comment's copy on the other side, plain text: the content, a blank line,
// then "— " and its attribution, e.g. "Customer confirmed the cut-over date.\n\n— Linda Smith
// (via Zoho CRM)". The attribution stands apart as a signature does in an email, in both a CRM
// note and a Projects comment; a writer sending HTML escapes the text and turns its line breaks
// into <br>.
std::string CopyText(const CommentChange& comment);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_CHANGE_COMMENT_H_

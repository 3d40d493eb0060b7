#include "services/sync/change/comment.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/sync/change/decision.h"
#include "services/sync/change/validation.h"

namespace crmsync::sync {
namespace {

ChangeDecision Decision(Outcome result, std::string message) {
  ChangeDecision decision;
  decision.result = result;
  decision.message = std::move(message);
  return decision;
}

}  // namespace

ChangeDecision DecideComment(const CommentChange& comment, const CommentContext& context) {
  if (auto rejection = CheckLink(comment.origin_side, comment.task_id, context.link)) {
    return RejectChange(*std::move(rejection));
  }
  if (context.is_our_copy) {
    return Decision(Outcome::kEcho, "The comment is a copy crmsync wrote; nothing to do");
  }
  if (comment.action == CommentAction::kDelete) {
    if (!context.has_copy) {
      return Decision(Outcome::kEcho, "The deleted comment was never copied; nothing to do");
    }
    return Decision(Outcome::kApplied,
                    absl::StrCat("Deleting the comment's copy in ",
                                 SideDisplayName(OtherSide(comment.origin_side))));
  }
  if (context.copied || context.has_copy) {
    return Decision(Outcome::kEcho, "The comment was copied already; nothing to do");
  }
  if (auto rejection = CheckCommentContent(comment)) return RejectChange(*std::move(rejection));
  return Decision(Outcome::kApplied, absl::StrCat("Copying the comment to ",
                                                  SideDisplayName(OtherSide(comment.origin_side))));
}

std::string CopyAttribution(const Actor& author, Side origin) {
  const std::string& name = !author.display_name.empty() ? author.display_name
                            : !author.email.empty()      ? author.email
                                                         : author.user_id;
  return absl::StrCat(name, " (via ", SideDisplayName(origin), ")");
}

std::string CopyText(const CommentChange& comment) {
  return absl::StrCat(comment.content, "\n\n— ",
                      CopyAttribution(comment.author, comment.origin_side));
}

}  // namespace crmsync::sync

#include "services/sync/change/comment.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
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
  std::optional<Rejection> link_rejection =
      CheckLink(comment.origin_side, comment.task_id, context.link);
  if (link_rejection.has_value() && !context.link.has_value()) {
    return RejectChange(*std::move(link_rejection));
  }
  // Even once the other side's task is deleted, crmsync's own copy or a comment copied already
  // coming back is no change to refuse.
  if (context.is_our_copy || EndsWithCopyMarker(comment.content)) {
    return Decision(Outcome::kEcho, "The comment is a copy crmsync wrote; nothing to do");
  }
  const bool copied = context.copied || context.has_copy;
  if (comment.action != CommentAction::kDelete && copied) {
    return Decision(Outcome::kEcho, "The comment was copied already; nothing to do");
  }
  if (link_rejection.has_value()) return RejectChange(*std::move(link_rejection));
  if (comment.action == CommentAction::kDelete) {
    if (!context.has_copy) {
      return Decision(Outcome::kEcho, "The deleted comment was never copied; nothing to do");
    }
    return Decision(Outcome::kApplied,
                    absl::StrCat("Deleting the comment's copy in ",
                                 SideDisplayName(OtherSide(comment.origin_side))));
  }
  if (auto rejection = CheckCommentContent(comment)) return RejectChange(*std::move(rejection));
  return Decision(Outcome::kApplied, absl::StrCat("Copying the comment to ",
                                                  SideDisplayName(OtherSide(comment.origin_side))));
}

std::string CopyMarker(int64_t copy_id) {
  // Invisible separator, the id in base 4 as zero-width space / non-joiner / joiner / word
  // joiner, invisible separator: framed, so one copy's marker is never part of another's.
  static constexpr const char* kDigits[] = {"\u200b", "\u200c", "\u200d", "\u2060"};
  std::string digits;
  do {
    digits.insert(0, kDigits[copy_id % 4]);
    copy_id /= 4;
  } while (copy_id > 0);
  return absl::StrCat("\u2063", digits, "\u2063");
}

bool EndsWithCopyMarker(absl::string_view text) {
  static constexpr absl::string_view kFrame = "\u2063";
  if (!absl::ConsumeSuffix(&text, kFrame)) return false;
  bool digits = false;
  while (!absl::ConsumeSuffix(&text, kFrame)) {
    if (!absl::ConsumeSuffix(&text, "\u200b") && !absl::ConsumeSuffix(&text, "\u200c") &&
        !absl::ConsumeSuffix(&text, "\u200d") && !absl::ConsumeSuffix(&text, "\u2060")) {
      return false;
    }
    digits = true;
  }
  return digits;
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

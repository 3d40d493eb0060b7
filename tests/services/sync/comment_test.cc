#include "services/sync/change/comment.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/sync/builders.h"

namespace crmsync::sync {
namespace {

using testing::LindasComment;

CommentContext Linked() { return CommentContext{LinkState::kActive, false, false}; }

TEST(DecideComment, NewCommentOnALinkedTaskIsCopied) {
  const ChangeDecision d = DecideComment(LindasComment(), Linked());
  EXPECT_EQ(d.result, Outcome::kApplied);
  EXPECT_EQ(d.message, "Copying the comment to Zoho Projects");
  EXPECT_TRUE(d.fields.empty());
}

TEST(DecideComment, OurOwnCopyComingBackIsAnEcho) {
  CommentContext context = Linked();
  context.is_our_copy = true;
  EXPECT_EQ(DecideComment(LindasComment(), context).result, Outcome::kEcho);
}

TEST(DecideComment, ACommentCopiedAlreadyIsAnEchoWhenAddedAgain) {
  CommentContext context = Linked();
  context.copied = true;
  const ChangeDecision again = DecideComment(LindasComment(), context);
  EXPECT_EQ(again.result, Outcome::kEcho);
  EXPECT_EQ(again.message, "The comment was copied already; nothing to do");
}

TEST(DecideComment, DeletingACopiedCommentDeletesItsCopy) {
  CommentChange deletion = LindasComment();
  deletion.action = CommentAction::kDelete;
  deletion.content = "";
  CommentContext context = Linked();
  context.has_copy = true;
  EXPECT_EQ(DecideComment(deletion, context).result, Outcome::kApplied);
}

TEST(DecideComment, DeletingACommentNeverCopiedIsAnEcho) {
  CommentChange deletion = LindasComment();
  deletion.action = CommentAction::kDelete;
  EXPECT_EQ(DecideComment(deletion, Linked()).result, Outcome::kEcho);
}

TEST(DecideComment, EmptyOrOversizeCommentIsAnInvalidValue) {
  CommentChange comment = LindasComment();
  comment.content = "";
  const ChangeDecision empty = DecideComment(comment, Linked());
  EXPECT_EQ(empty.result, Outcome::kRejected);
  EXPECT_EQ(empty.reason, FailureReason::kInvalidValue);
  EXPECT_EQ(empty.message, "The comment cannot be empty");
  comment.content = std::string(10001, 'c');
  const ChangeDecision long_comment = DecideComment(comment, Linked());
  EXPECT_EQ(long_comment.reason, FailureReason::kInvalidValue);
  EXPECT_EQ(long_comment.message,
            "The comment is 10001 characters long; at most 10000 are allowed");
}

TEST(DecideComment, CommentOnATaskNotLinkedOrDeletedOnTheOtherSideIsRejected) {
  EXPECT_EQ(DecideComment(LindasComment(), CommentContext{}).reason, FailureReason::kTaskNotLinked);
  EXPECT_EQ(
      DecideComment(LindasComment(), CommentContext{LinkState::kDeletedInProjects, false, false})
          .reason,
      FailureReason::kTaskDeletedOnOtherSide);
}

TEST(CopyAttribution, NamesTheAuthorAndTheSide) {
  EXPECT_EQ(CopyAttribution({"4000000000008", "linda@example.com", "Linda Smith"}, Side::kCrm),
            "Linda Smith (via Zoho CRM)");
  EXPECT_EQ(CopyAttribution({"8000000000008", "linda@example.com", ""}, Side::kProjects),
            "linda@example.com (via Zoho Projects)");
  EXPECT_EQ(CopyAttribution({"8000000000008", "", ""}, Side::kProjects),
            "8000000000008 (via Zoho Projects)");
}

TEST(CopyText, IsTheContentSignedByItsAuthor) {
  EXPECT_EQ(CopyText(LindasComment()),
            "Customer confirmed the cut-over date.\n\n— Linda Smith (via Zoho CRM)");
}

}  // namespace
}  // namespace crmsync::sync

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

TEST(DecideComment, AnUnrecordedCommentCarryingACopyMarkerIsOurCopyAndAnEcho) {
  // A copy Zoho made twice: the second one's id was never recorded, its marker says what it is.
  CommentChange duplicate = LindasComment();
  duplicate.content += CopyMarker(42);
  const ChangeDecision d = DecideComment(duplicate, Linked());
  EXPECT_EQ(d.result, Outcome::kEcho);
  EXPECT_EQ(d.message, "The comment is a copy crmsync wrote; nothing to do");
  // The marker only counts at the end.
  duplicate.content += " and more";
  EXPECT_EQ(DecideComment(duplicate, Linked()).result, Outcome::kApplied);
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

TEST(DecideComment, OurCopyOrACopiedCommentOnATaskDeletedOnTheOtherSideIsAnEcho) {
  CommentContext context{LinkState::kDeletedInProjects, false, false};
  context.is_our_copy = true;
  EXPECT_EQ(DecideComment(LindasComment(), context).result, Outcome::kEcho);
  context.is_our_copy = false;
  context.copied = true;
  EXPECT_EQ(DecideComment(LindasComment(), context).result, Outcome::kEcho);
  // Deleting it there is a change the task no longer takes.
  CommentChange deletion = LindasComment();
  deletion.action = CommentAction::kDelete;
  deletion.content = "";
  context.has_copy = true;
  EXPECT_EQ(DecideComment(deletion, context).reason, FailureReason::kTaskDeletedOnOtherSide);
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

#include "services/sync/change/validation.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/sync/builders.h"

namespace crmsync::sync {
namespace {

using testing::ChangeFrom;
using ::testing::HasSubstr;
using testing::LindasComment;
using ::testing::Optional;
using ::testing::StartsWith;
using testing::WithTitle;

// The message of ValidateChange(change, "change", kRequired), "" when it passes.
std::string Problem(const TaskChange& change, EventIdRule rule = EventIdRule::kRequired) {
  const absl::Status status = ValidateChange(change, "change", rule);
  if (!status.ok()) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  }
  return std::string(status.message());
}

TaskChange TitleChange() { return WithTitle(ChangeFrom(Side::kCrm), "Migrate contacts"); }

TEST(ValidateChange, WellFormedChangesPass) {
  EXPECT_EQ(Problem(TitleChange()), "");
  TaskChange deletion = ChangeFrom(Side::kProjects);
  deletion.task_deleted = true;
  EXPECT_EQ(Problem(deletion), "");
  TaskChange raw = ChangeFrom(Side::kCrm);
  raw.fields.priority = std::string("Highest");
  raw.fields.status = std::string("Waiting for input");
  raw.fields.end_date = Date{};
  raw.fields.owner_user_id = "";
  EXPECT_EQ(Problem(raw), "");
}

TEST(ValidateChange, IdsAreOneToSixtyFourWordCharacters) {
  TaskChange change = TitleChange();
  change.portal_id = "";
  EXPECT_EQ(Problem(change), "change.portal_id: required");
  change.portal_id = "75 01";
  EXPECT_EQ(Problem(change), "change.portal_id: only [0-9A-Za-z_-] allowed");
  change.portal_id = std::string(65, '7');
  EXPECT_EQ(Problem(change), "change.portal_id: longer than 64 characters");
  change.portal_id = std::string(64, '7');
  EXPECT_EQ(Problem(change), "");
  change.task_id = "";
  EXPECT_EQ(Problem(change), "change.task_id: required");
  change.task_id = "6000000012345";
  change.project_id = "p/1";
  EXPECT_EQ(Problem(change), "change.project_id: only [0-9A-Za-z_-] allowed");
}

TEST(ValidateChange, OriginSideIsRequired) {
  TaskChange change = TitleChange();
  change.origin_side = Side::kUnspecified;
  EXPECT_EQ(Problem(change), "change.origin_side: required");
  change.origin_side = static_cast<Side>(7);
  EXPECT_EQ(Problem(change), "change.origin_side: unknown side 7");
}

TEST(ValidateChange, EventIdIsPrintableAsciiUpTo255AndOptionalOnlyInCheckChange) {
  TaskChange change = TitleChange();
  change.event_id = "";
  EXPECT_EQ(Problem(change), "change.event_id: required");
  EXPECT_EQ(Problem(change, EventIdRule::kOptional), "");
  change.event_id = "task 42 at 09:00";
  EXPECT_EQ(Problem(change), "");
  change.event_id = "tab\there";
  EXPECT_EQ(Problem(change), "change.event_id: only printable ASCII characters allowed");
  change.event_id = "caf\xc3\xa9";
  EXPECT_EQ(Problem(change), "change.event_id: only printable ASCII characters allowed");
  change.event_id = std::string(255, 'e');
  EXPECT_EQ(Problem(change), "");
  change.event_id = std::string(256, 'e');
  EXPECT_EQ(Problem(change), "change.event_id: longer than 255 characters");
}

TEST(ValidateChange, SourceModifiedTimeIsRequired) {
  TaskChange change = TitleChange();
  change.source_modified_time.reset();
  EXPECT_EQ(Problem(change), "change.source_modified_time: required");
}

TEST(ValidateChange, AChangeCarriesFieldsOrADeletionNeverBothNorNeither) {
  EXPECT_EQ(Problem(ChangeFrom(Side::kCrm)), "change.fields: no field carried");
  TaskChange both = TitleChange();
  both.task_deleted = true;
  EXPECT_EQ(Problem(both), "change.fields: must be empty when task_deleted is true");
}

TEST(ValidateChange, ImpossibleEndDateNamesTheField) {
  TaskChange change = ChangeFrom(Side::kCrm);
  change.fields.end_date = Date{2026, 13, 1};
  EXPECT_EQ(Problem(change), "change.fields.end_date: month 13 is out of range");
  change.fields.end_date = Date{2026, 0, 0};
  EXPECT_THAT(Problem(change), StartsWith("change.fields.end_date: "));
}

TEST(ValidateChange, UnspecifiedOrUnknownCanonicalPicklistValuesAreRefused) {
  TaskChange change = ChangeFrom(Side::kCrm);
  change.fields.priority = Priority::kUnspecified;
  EXPECT_EQ(Problem(change), "change.fields.priority: UNSPECIFIED");
  change.fields.priority = static_cast<Priority>(9);
  EXPECT_EQ(Problem(change), "change.fields.priority: unknown value 9");
  change.fields.priority = Priority::kHigh;
  change.fields.status = TaskStatus::kUnspecified;
  EXPECT_EQ(Problem(change), "change.fields.status: UNSPECIFIED");
  change.fields.status = static_cast<TaskStatus>(3);
  EXPECT_EQ(Problem(change), "change.fields.status: unknown value 3");
}

TEST(ValidateChange, OwnerIdIsARecordIdOrEmpty) {
  TaskChange change = ChangeFrom(Side::kProjects);
  change.fields.owner_user_id = "ana@example.com";
  EXPECT_EQ(Problem(change), "change.fields.owner_user_id: only [0-9A-Za-z_-] allowed");
}

TEST(ValidateChange, ActorNeedsAUserIdOrAnEmail) {
  TaskChange change = TitleChange();
  change.actor = {};
  EXPECT_EQ(Problem(change), "change.actor: user_id or email required");
  change.actor = {"", "linda@example.com", ""};
  EXPECT_EQ(Problem(change), "");
  change.actor = {"4000000000007", "", ""};
  EXPECT_EQ(Problem(change), "");
  change.actor = {"", "linda at example.com", ""};
  EXPECT_EQ(Problem(change), "change.actor.email: not an email address");
  change.actor = {"user 7", "", ""};
  EXPECT_EQ(Problem(change), "change.actor.user_id: only [0-9A-Za-z_-] allowed");
}

TEST(ValidateChange, OversizeTextIsNotAMalformedRequest) {
  // Oversize and empty titles are REJECTED INVALID_VALUE outcomes, not INVALID_ARGUMENT.
  EXPECT_EQ(Problem(WithTitle(ChangeFrom(Side::kCrm), std::string(300, 'x'))), "");
  EXPECT_EQ(Problem(WithTitle(ChangeFrom(Side::kCrm), "")), "");
}

TEST(ValidateChange, TextPastItsBoundIsAMalformedRequestNamingTheField) {
  EXPECT_EQ(Problem(WithTitle(ChangeFrom(Side::kCrm), std::string(1000, 'x'))), "");
  EXPECT_EQ(Problem(WithTitle(ChangeFrom(Side::kCrm), std::string(1001, 'x'))),
            "change.fields.title: at most 1000 characters");
  TaskChange change = ChangeFrom(Side::kProjects);
  change.fields.description = std::string(64001, 'd');
  EXPECT_EQ(Problem(change), "change.fields.description: at most 64000 characters");
  change = ChangeFrom(Side::kCrm);
  change.fields.priority = std::string(256, 'p');
  EXPECT_EQ(Problem(change), "change.fields.side_priority: at most 255 characters");
  change = ChangeFrom(Side::kCrm);
  change.fields.status = std::string(256, 's');
  EXPECT_EQ(Problem(change), "change.fields.side_status: at most 255 characters");
  change = TitleChange();
  change.actor.display_name = std::string(256, 'n');
  EXPECT_EQ(Problem(change), "change.actor.display_name: at most 255 characters");
  std::vector<TaskChange> changes(3, TitleChange());
  changes[2].fields.title = std::string(1001, 'x');
  EXPECT_EQ(ValidateBatch(changes).message(), "changes[2].fields.title: at most 1000 characters");
}

TEST(ValidateBatch, OneToAHundredChangesNamedByIndex) {
  EXPECT_EQ(ValidateBatch({}).message(), "changes: at least one change required");
  std::vector<TaskChange> changes(100, TitleChange());
  EXPECT_TRUE(ValidateBatch(changes).ok());
  changes[41].task_id = "";
  EXPECT_EQ(ValidateBatch(changes).message(), "changes[41].task_id: required");
  changes[41] = TitleChange();
  changes.push_back(TitleChange());
  EXPECT_EQ(ValidateBatch(changes).message(), "changes: 101 changes; at most 100 allowed");
}

TEST(ValidateComment, NamesTheMalformedField) {
  EXPECT_TRUE(ValidateComment(LindasComment(), "comment").ok());
  CommentChange comment = LindasComment();
  comment.comment_id = "";
  EXPECT_EQ(ValidateComment(comment, "comment").message(), "comment.comment_id: required");
  comment = LindasComment();
  comment.action = CommentAction::kUnspecified;
  EXPECT_EQ(ValidateComment(comment, "comment").message(), "comment.action: required");
  comment = LindasComment();
  comment.source_modified_time.reset();
  EXPECT_EQ(ValidateComment(comment, "comment").message(),
            "comment.source_modified_time: required");
  comment = LindasComment();
  comment.event_id = "";
  EXPECT_EQ(ValidateComment(comment, "comment").message(), "comment.event_id: required");
  comment = LindasComment();
  comment.content = std::string(64001, 'c');
  EXPECT_EQ(ValidateComment(comment, "comment").message(),
            "comment.content: at most 64000 characters");
  comment = LindasComment();
  comment.author.display_name = std::string(256, 'n');
  EXPECT_EQ(ValidateComment(comment, "comment").message(),
            "comment.author.display_name: at most 255 characters");
}

TEST(CharacterCount, CountsCodePointsNotBytes) {
  EXPECT_EQ(CharacterCount(""), 0u);
  EXPECT_EQ(CharacterCount("Zoho"), 4u);
  EXPECT_EQ(CharacterCount("Caf\xc3\xa9 \xe2\x82\xac\xf0\x9f\x9a\x80"), 7u);  // "Café €🚀"
}

TEST(CheckTitle, OneTo255Characters) {
  EXPECT_EQ(CheckTitle("Migrate contacts"), std::nullopt);
  EXPECT_EQ(CheckTitle(std::string(255, 'x')), std::nullopt);
  // 255 two-byte characters are 510 bytes and still a valid title.
  std::string accented;
  for (int i = 0; i < 255; ++i) accented += "\xc3\xa9";
  EXPECT_EQ(CheckTitle(accented), std::nullopt);
  auto too_long = CheckTitle(std::string(256, 'x'));
  ASSERT_TRUE(too_long.has_value());
  EXPECT_EQ(too_long->reason, FailureReason::kInvalidValue);
  EXPECT_EQ(too_long->message, "The title is 256 characters long; at most 255 are allowed");
  auto empty = CheckTitle("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->reason, FailureReason::kInvalidValue);
  EXPECT_EQ(empty->message, "The title cannot be empty");
}

TEST(CheckDescription, UpTo32000CharactersAndEmptyClears) {
  EXPECT_EQ(CheckDescription(""), std::nullopt);
  EXPECT_EQ(CheckDescription(std::string(32000, 'd')), std::nullopt);
  auto too_long = CheckDescription(std::string(32001, 'd'));
  ASSERT_TRUE(too_long.has_value());
  EXPECT_EQ(too_long->reason, FailureReason::kInvalidValue);
  EXPECT_EQ(too_long->message,
            "The description is 32001 characters long; at most 32000 are allowed");
}

TEST(CheckCommentContent, AddedCommentIsOneTo10000CharactersDeletionCarriesNone) {
  CommentChange comment = LindasComment();
  EXPECT_EQ(CheckCommentContent(comment), std::nullopt);
  comment.content = std::string(10000, 'c');
  EXPECT_EQ(CheckCommentContent(comment), std::nullopt);
  comment.content = std::string(10001, 'c');
  EXPECT_THAT(CheckCommentContent(comment),
              Optional(::testing::Field(&Rejection::message,
                                        HasSubstr("10001 characters long; at most 10000"))));
  comment.content = "";
  EXPECT_THAT(CheckCommentContent(comment),
              Optional(::testing::Field(&Rejection::reason, FailureReason::kInvalidValue)));
  comment.action = CommentAction::kDelete;
  EXPECT_EQ(CheckCommentContent(comment), std::nullopt);
}

}  // namespace
}  // namespace crmsync::sync

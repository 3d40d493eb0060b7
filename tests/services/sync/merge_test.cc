#include "services/sync/change/merge.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/sync/builders.h"

namespace crmsync::sync {
namespace {

using testing::At;
using testing::State;

const FieldState kTitleAt10 = State(std::string("Migrate contacts"), 3, At(10));

TEST(MergeField, OlderChangeIsStaleAndKeepsTheVersion) {
  const FieldDecision d =
      MergeField(Field::kTitle, &kTitleAt10, std::string("Migrate leads"), At(9));
  EXPECT_EQ(d.result, Outcome::kStale);
  EXPECT_EQ(d.version, 3);
  EXPECT_EQ(d.value, std::nullopt);
}

TEST(MergeField, ChangeAtTheSameTimeIsNotStale) {
  const FieldDecision d =
      MergeField(Field::kTitle, &kTitleAt10, std::string("Migrate leads"), At(10));
  EXPECT_EQ(d.result, Outcome::kApplied);
  EXPECT_EQ(d.version, 4);
}

TEST(MergeField, NewerDifferentValueIsAppliedWithTheNextVersion) {
  const FieldDecision d =
      MergeField(Field::kTitle, &kTitleAt10, std::string("Migrate leads"), At(11));
  EXPECT_EQ(d.result, Outcome::kApplied);
  EXPECT_EQ(d.version, 4);
  ASSERT_TRUE(d.value.has_value());
  EXPECT_EQ(std::get<std::string>(*d.value), "Migrate leads");
}

TEST(MergeField, NewerEqualValueIsAnEcho) {
  // crmsync's own write coming back as a webhook: no ping-pong.
  const FieldDecision d =
      MergeField(Field::kTitle, &kTitleAt10, std::string("Migrate contacts"), At(11));
  EXPECT_EQ(d.result, Outcome::kEcho);
  EXPECT_EQ(d.version, 3);
}

TEST(MergeField, OlderEqualValueIsStaleNotAnEcho) {
  EXPECT_EQ(MergeField(Field::kTitle, &kTitleAt10, std::string("Migrate contacts"), At(9)).result,
            Outcome::kStale);
}

TEST(MergeField, FirstValueOfAFieldIsVersionOne) {
  const FieldDecision d =
      MergeField(Field::kEndDate, nullptr, EndDate(absl::CivilDay(2026, 12, 18)), At(0));
  EXPECT_EQ(d.result, Outcome::kApplied);
  EXPECT_EQ(d.version, 1);
}

TEST(MergeField, ClearingAnEndDateIsAChange) {
  const FieldState end = State(EndDate(absl::CivilDay(2026, 12, 18)), 2, At(0));
  EXPECT_EQ(MergeField(Field::kEndDate, &end, EndDate(), At(1)).result, Outcome::kApplied);
  const FieldState none = State(EndDate(), 3, At(1));
  EXPECT_EQ(MergeField(Field::kEndDate, &none, EndDate(), At(2)).result, Outcome::kEcho);
}

TEST(MergeField, SameOwnerUnderAnotherNameIsAnEcho) {
  const FieldState owner = State(Owner{"ana@example.com", "4001", "8001", "Ana"}, 1, At(0));
  EXPECT_EQ(
      MergeField(Field::kOwner, &owner, Owner{"ana@example.com", "4001", "8001", "Ana L"}, At(1))
          .result,
      Outcome::kEcho);
  EXPECT_EQ(MergeField(Field::kOwner, &owner, Owner{}, At(1)).result, Outcome::kApplied);
}

FieldDecision Applied(Field field) {
  return {field, Outcome::kApplied, 2, std::string("x"), std::nullopt};
}
FieldDecision Echo(Field field) { return {field, Outcome::kEcho, 1, std::nullopt, std::nullopt}; }
FieldDecision Stale(Field field) { return {field, Outcome::kStale, 1, std::nullopt, std::nullopt}; }
FieldDecision Rejected(Field field, FailureReason reason, std::string message) {
  return RejectField(field, nullptr, Rejection{reason, std::move(message)});
}

TEST(Combine, AnyAppliedFieldAppliesTheChange) {
  const ChangeDecision d =
      Combine({Stale(Field::kTitle), Applied(Field::kEndDate), Echo(Field::kPriority)});
  EXPECT_EQ(d.result, Outcome::kApplied);
  EXPECT_EQ(d.message, "Applied end date");
  EXPECT_EQ(d.fields.size(), 3u);
}

TEST(Combine, EchoesAndStaleFieldsOnlyAreAnEcho) {
  EXPECT_EQ(Combine({Stale(Field::kTitle), Echo(Field::kStatus)}).result, Outcome::kEcho);
}

TEST(Combine, OnlyStaleFieldsAreStale) {
  EXPECT_EQ(Combine({Stale(Field::kTitle), Stale(Field::kOwner)}).result, Outcome::kStale);
}

TEST(Combine, OneRejectedFieldRejectsTheWholeChangeAndListsOnlyIt) {
  const ChangeDecision d = Combine({Applied(Field::kTitle),
                                    Rejected(Field::kPriority, FailureReason::kInvalidValue,
                                             "Priority \"Urgent\" is not in the map"),
                                    Applied(Field::kDescription)});
  EXPECT_EQ(d.result, Outcome::kRejected);
  EXPECT_EQ(d.reason, FailureReason::kInvalidValue);
  EXPECT_EQ(d.message, "Priority \"Urgent\" is not in the map");
  ASSERT_EQ(d.fields.size(), 1u);
  EXPECT_EQ(d.fields[0].field, Field::kPriority);
  EXPECT_EQ(d.fields[0].result, Outcome::kRejected);
}

TEST(Combine, SeveralRejectionsKeepTheFirstFieldsReasonAndEveryMessage) {
  const ChangeDecision d =
      Combine({Rejected(Field::kStatus, FailureReason::kSubtaskParentClosed, "parent closed"),
               Rejected(Field::kEndDate, FailureReason::kDueDateBeyondStrictSchedule,
                        "after the schedule")});
  EXPECT_EQ(d.reason, FailureReason::kDueDateBeyondStrictSchedule);
  EXPECT_EQ(d.message, "after the schedule; parent closed");
  ASSERT_EQ(d.fields.size(), 2u);
  EXPECT_EQ(d.fields[0].field, Field::kEndDate);
}

}  // namespace
}  // namespace crmsync::sync

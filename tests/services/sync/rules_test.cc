#include "services/sync/change/rules.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmsync::sync {
namespace {

using ::testing::Optional;

// George's Data Migration project runs on a fixed schedule, June 2025.
const ProjectSchedule kDataMigration{"Data Migration", absl::CivilDay(2025, 6, 1),
                                     absl::CivilDay(2025, 6, 30), /*strict=*/true};

EndDate Day(int year, int month, int day) { return absl::CivilDay(year, month, day); }

TEST(StrictSchedule, EndDateAfterTheProjectEndIsRejectedSayingWhy) {
  EXPECT_THAT(CheckEndDateInStrictSchedule(Day(2025, 7, 15), kDataMigration),
              Optional(Rejection{FailureReason::kDueDateBeyondStrictSchedule,
                                 "End date 2025-07-15 is after the end of strict project Data "
                                 "Migration (2025-06-30)"}));
}

TEST(StrictSchedule, EndDateBeforeTheProjectStartIsRejectedSayingWhy) {
  EXPECT_THAT(CheckEndDateInStrictSchedule(Day(2025, 5, 31), kDataMigration),
              Optional(Rejection{FailureReason::kDueDateBeyondStrictSchedule,
                                 "End date 2025-05-31 is before the start of strict project Data "
                                 "Migration (2025-06-01)"}));
}

TEST(StrictSchedule, TheStartAndEndDatesAreInside) {
  EXPECT_EQ(CheckEndDateInStrictSchedule(Day(2025, 6, 1), kDataMigration), std::nullopt);
  EXPECT_EQ(CheckEndDateInStrictSchedule(Day(2025, 6, 30), kDataMigration), std::nullopt);
  EXPECT_EQ(CheckEndDateInStrictSchedule(Day(2025, 6, 15), kDataMigration), std::nullopt);
}

TEST(StrictSchedule, TheDaysJustOutsideAreRejected) {
  EXPECT_NE(CheckEndDateInStrictSchedule(Day(2025, 7, 1), kDataMigration), std::nullopt);
  EXPECT_NE(CheckEndDateInStrictSchedule(Day(2025, 5, 31), kDataMigration), std::nullopt);
}

TEST(StrictSchedule, AMissingBoundBoundsNothingOnItsSide) {
  ProjectSchedule no_end = kDataMigration;
  no_end.end.reset();
  EXPECT_EQ(CheckEndDateInStrictSchedule(Day(2031, 1, 1), no_end), std::nullopt);
  EXPECT_NE(CheckEndDateInStrictSchedule(Day(2025, 5, 1), no_end), std::nullopt);
  ProjectSchedule no_start = kDataMigration;
  no_start.start.reset();
  EXPECT_EQ(CheckEndDateInStrictSchedule(Day(2020, 1, 1), no_start), std::nullopt);
  EXPECT_NE(CheckEndDateInStrictSchedule(Day(2025, 7, 1), no_start), std::nullopt);
  ProjectSchedule neither = kDataMigration;
  neither.start.reset();
  neither.end.reset();
  EXPECT_EQ(CheckEndDateInStrictSchedule(Day(1999, 12, 31), neither), std::nullopt);
}

TEST(StrictSchedule, ProjectsThatAreNotStrictNeverReject) {
  ProjectSchedule flexible = kDataMigration;
  flexible.strict = false;
  EXPECT_EQ(CheckEndDateInStrictSchedule(Day(2025, 7, 15), flexible), std::nullopt);
  EXPECT_EQ(CheckEndDateInStrictSchedule(Day(2025, 1, 1), flexible), std::nullopt);
}

TEST(StrictSchedule, ClearingTheEndDateIsAllowed) {
  EXPECT_EQ(CheckEndDateInStrictSchedule(EndDate(), kDataMigration), std::nullopt);
}

const ParentTask kClosedParent{"Plan the cut-over", TaskStatus::kClosed};

TEST(SubtaskParentClosed, ReopeningASubtaskOfAClosedParentIsRejectedSayingWhy) {
  EXPECT_THAT(CheckReopenUnderClosedParent(TaskStatus::kOpen, kClosedParent),
              Optional(Rejection{FailureReason::kSubtaskParentClosed,
                                 "Subtask cannot be reopened while its parent task \"Plan the "
                                 "cut-over\" is closed in Zoho Projects"}));
}

TEST(SubtaskParentClosed, ClosingASubtaskOfAClosedParentIsFine) {
  EXPECT_EQ(CheckReopenUnderClosedParent(TaskStatus::kClosed, kClosedParent), std::nullopt);
}

TEST(SubtaskParentClosed, ReopeningUnderAnOpenParentIsFine) {
  EXPECT_EQ(CheckReopenUnderClosedParent(TaskStatus::kOpen,
                                         ParentTask{"Plan the cut-over", TaskStatus::kOpen}),
            std::nullopt);
}

TEST(SubtaskParentClosed, ReopeningATopLevelTaskIsFine) {
  EXPECT_EQ(CheckReopenUnderClosedParent(TaskStatus::kOpen, std::nullopt), std::nullopt);
}

}  // namespace
}  // namespace crmsync::sync

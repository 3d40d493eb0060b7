#include "services/sync/change/task.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmsync::sync {
namespace {

using ::testing::HasSubstr;

TEST(ReasonNames, RoundTripThroughTheDatabaseName) {
  for (int r = 1; r <= 9; ++r) {
    const auto reason = static_cast<FailureReason>(r);
    EXPECT_EQ(ReasonFromName(ReasonName(reason)), reason) << ReasonName(reason);
  }
  EXPECT_EQ(ReasonName(FailureReason::kDueDateBeyondStrictSchedule),
            "due_date_beyond_strict_schedule");
  EXPECT_EQ(ReasonName(FailureReason::kUnspecified), "");
  EXPECT_EQ(ReasonFromName(""), std::nullopt);
  EXPECT_EQ(ReasonName(FailureReason::kDeliveryRefused), "delivery_refused");
  EXPECT_EQ(ReasonFromName("delivery_failed"), std::nullopt);
}

TEST(FieldNames, RoundTripThroughTheDatabaseName) {
  for (Field field : kAllFields) {
    EXPECT_EQ(FieldFromName(FieldName(field)), field) << FieldName(field);
  }
  EXPECT_EQ(FieldName(Field::kEndDate), "end_date");
  EXPECT_EQ(FieldDisplayName(Field::kEndDate), "end date");
  EXPECT_EQ(FieldFromName("due_date"), std::nullopt);
}

TEST(EndDateFromDate, EmptyDateClearsTheEndDate) {
  auto end_date = EndDateFromDate(Date{});
  ASSERT_TRUE(end_date.ok()) << end_date.status();
  EXPECT_EQ(*end_date, std::nullopt);
}

TEST(EndDateFromDate, RealDayIsThatDay) {
  EXPECT_EQ(EndDateFromDate(Date{2028, 2, 29}).value(), absl::CivilDay(2028, 2, 29));
}

TEST(EndDateFromDate, ImpossibleDatesAreRefusedNamingThePart) {
  EXPECT_THAT(EndDateFromDate(Date{2026, 13, 1}).status().message(),
              HasSubstr("month 13 is out of range"));
  EXPECT_THAT(EndDateFromDate(Date{2026, 2, 29}).status().message(),
              HasSubstr("day 29 does not exist in 2026-02"));
  EXPECT_THAT(EndDateFromDate(Date{2026, 4, 31}).status().message(),
              HasSubstr("day 31 does not exist in 2026-04"));
  EXPECT_THAT(EndDateFromDate(Date{0, 0, 5}).status().message(), HasSubstr("year 0"));
  EXPECT_THAT(EndDateFromDate(Date{2026, 6, 0}).status().message(), HasSubstr("day 0"));
}

TEST(SameValue, OwnersAreTheSameUserByTheirIdsNotTheirNames) {
  const Owner ana{"ana@example.com", "4001", "8001", "Ana"};
  Owner renamed = ana;
  renamed.display_name = "Ana Lopez";
  renamed.email = "ANA@example.com";
  EXPECT_TRUE(SameValue(ana, renamed));
  Owner other = ana;
  other.projects_user_id = "8002";
  EXPECT_FALSE(SameValue(ana, other));
}

TEST(SameValue, ComparesValuesOfOneKindOnly) {
  EXPECT_TRUE(SameValue(std::string("Migrate contacts"), std::string("Migrate contacts")));
  EXPECT_FALSE(SameValue(std::string("Migrate contacts"), std::string("migrate contacts")));
  EXPECT_TRUE(SameValue(EndDate(), EndDate()));
  EXPECT_FALSE(SameValue(EndDate(absl::CivilDay(2026, 12, 1)), EndDate()));
  EXPECT_FALSE(SameValue(Priority::kHigh, Priority::kLow));
  EXPECT_TRUE(SameValue(TaskStatus::kOpen, TaskStatus::kOpen));
}

TEST(DisplayValue, ReadsAsASentenceShowsIt) {
  EXPECT_EQ(DisplayValue(std::string("Migrate contacts")), "\"Migrate contacts\"");
  EXPECT_EQ(DisplayValue(EndDate(absl::CivilDay(2025, 7, 1))), "2025-07-01");
  EXPECT_EQ(DisplayValue(EndDate()), "no end date");
  EXPECT_EQ(DisplayValue(Priority::kMedium), "Medium");
  EXPECT_EQ(DisplayValue(TaskStatus::kClosed), "Closed");
  EXPECT_EQ(DisplayValue(Owner{"ana@example.com", "4001", "8001", "Ana"}), "ana@example.com");
  EXPECT_EQ(DisplayValue(Owner{}), "no owner");
}

}  // namespace
}  // namespace crmsync::sync

#include "libs/grpc_server/proto_convert.h"

#include <gtest/gtest.h>

namespace crmsync {
namespace {

common::v1::Date Date(int year, int month, int day) {
  common::v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

TEST(ProtoConvert, TimesRoundTripToTheMicrosecond) {
  const absl::Time time = absl::FromUnixMicros(1'764'500'000'123'456);
  const google::protobuf::Timestamp timestamp = ToProtoTimestamp(time);
  EXPECT_EQ(timestamp.seconds(), 1'764'500'000);
  EXPECT_EQ(timestamp.nanos(), 123'456'000);
  EXPECT_EQ(FromProtoTimestamp(timestamp), time);
}

TEST(ProtoConvert, DatesRoundTripAndNoDateIsAllZero) {
  const absl::CivilDay day(2025, 6, 30);
  auto back = FromProtoDate(ToProtoDate(day), "end_date");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, day);

  const common::v1::Date none = ToProtoDate(std::nullopt);
  EXPECT_EQ(none.year() + none.month() + none.day(), 0);
  auto unset = FromProtoDate(none, "end_date");
  ASSERT_TRUE(unset.ok()) << unset.status();
  EXPECT_FALSE(unset->has_value());
}

TEST(ProtoConvert, ADateOffTheCalendarNamesItsField) {
  for (const common::v1::Date& date :
       {Date(2025, 2, 30), Date(2025, 13, 1), Date(0, 1, 1), Date(2025, 0, 0), Date(10000, 1, 1)}) {
    auto day = FromProtoDate(date, "parameters.project_end_date");
    ASSERT_FALSE(day.ok()) << date.ShortDebugString();
    EXPECT_EQ(day.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(day.status().message().rfind("parameters.project_end_date: ", 0), 0)
        << day.status().message();
  }
}

}  // namespace
}  // namespace crmsync

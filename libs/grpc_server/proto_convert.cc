#include "libs/grpc_server/proto_convert.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace crmsync {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToProtoTimestamp(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(timestamp));
}

common::v1::Date ToProtoDate(const std::optional<absl::CivilDay>& day) {
  common::v1::Date date;
  if (day) {
    date.set_year(static_cast<int32_t>(day->year()));
    date.set_month(day->month());
    date.set_day(day->day());
  }
  return date;
}

absl::StatusOr<std::optional<absl::CivilDay>> FromProtoDate(const common::v1::Date& date,
                                                            absl::string_view field) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) return std::nullopt;
  const absl::CivilDay day(date.year(), date.month(), date.day());
  if (date.year() < 1 || date.year() > 9999 || day.year() != date.year() ||
      day.month() != date.month() || day.day() != date.day()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", date.year(), "-", date.month(), "-",
                                                   date.day(), " is not a calendar date"));
  }
  return day;
}

}  // namespace crmsync

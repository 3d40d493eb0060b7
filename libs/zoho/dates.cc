#include "libs/zoho/dates.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace crmsync::zoho {
namespace {

// Reads exactly `width` ASCII digits at `pos`.
bool Digits(absl::string_view text, size_t pos, size_t width, int* out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

absl::StatusOr<absl::CivilDay> ExactDay(int year, int month, int day, absl::string_view text) {
  const absl::CivilDay civil(year, month, day);
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return absl::InvalidArgumentError(absl::StrCat("no such day: \"", text, "\""));
  }
  return civil;
}

absl::Status BadForm(absl::string_view text, absl::string_view form) {
  return absl::InvalidArgumentError(
      absl::StrCat("expected a date as ", form, ", got \"", text, "\""));
}

// "yyyy-mm-ddThh:mm:ss" then "Z" or "+hh:mm" / "-hh:mm", digit for digit: absl::ParseTime alone
// also takes fractions of seconds, one-digit fields and years of any length, which
// FormatIsoDateTime would not give back.
bool IsIsoDateTimeForm(absl::string_view text) {
  int unused;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || !Digits(text, 0, 4, &unused) || !Digits(text, 5, 2, &unused) ||
      !Digits(text, 8, 2, &unused) || !Digits(text, 11, 2, &unused) ||
      !Digits(text, 14, 2, &unused) || !Digits(text, 17, 2, &unused)) {
    return false;
  }
  const absl::string_view offset = text.substr(19);
  return offset == "Z" ||
         (offset.size() == 6 && (offset[0] == '+' || offset[0] == '-') && offset[3] == ':' &&
          Digits(offset, 1, 2, &unused) && Digits(offset, 4, 2, &unused));
}

}  // namespace

absl::StatusOr<absl::CivilDay> ParseCrmDate(absl::string_view text) {
  int year, month, day;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !Digits(text, 0, 4, &year) ||
      !Digits(text, 5, 2, &month) || !Digits(text, 8, 2, &day)) {
    return BadForm(text, "yyyy-mm-dd");
  }
  return ExactDay(year, month, day, text);
}

std::string FormatCrmDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::StatusOr<absl::CivilDay> ParseProjectsDate(absl::string_view text) {
  int year, month, day;
  if (text.size() < 10 || text[2] != '-' || text[5] != '-' || !Digits(text, 0, 2, &month) ||
      !Digits(text, 3, 2, &day) || !Digits(text, 6, 4, &year)) {
    return BadForm(text, "MM-DD-YYYY");
  }
  if (text.size() > 10) {
    // Only " hh:mm AM" / " hh:mm PM" may follow.
    const absl::string_view time = text.substr(10);
    int hour, minute;
    if (time.size() != 9 || time[0] != ' ' || time[3] != ':' || time[6] != ' ' ||
        !Digits(time, 1, 2, &hour) || !Digits(time, 4, 2, &minute) || hour < 1 || hour > 12 ||
        minute > 59 || (time.substr(7) != "AM" && time.substr(7) != "PM")) {
      return BadForm(text, "MM-DD-YYYY or MM-DD-YYYY hh:mm AM");
    }
  }
  return ExactDay(year, month, day, text);
}

std::string FormatProjectsDate(absl::CivilDay day) {
  return absl::StrFormat("%02d-%02d-%04d", day.month(), day.day(), day.year());
}

absl::StatusOr<absl::Time> ParseIsoDateTime(absl::string_view text) {
  absl::Time time;
  std::string error;
  if (!IsIsoDateTimeForm(text) ||
      !absl::ParseTime("%Y-%m-%dT%H:%M:%S%Ez", text, absl::UTCTimeZone(), &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an ISO 8601 time with offset, got \"", text, "\""));
  }
  // An offset can carry year 0000 or 9999 across a year boundary in UTC, where FormatIsoDateTime
  // would need a fifth character.
  const int64_t utc_year = absl::ToCivilYear(time, absl::UTCTimeZone()).year();
  if (utc_year < 0 || utc_year > 9999) {
    return absl::InvalidArgumentError(
        absl::StrCat("a time outside the years 0000 to 9999 in UTC: \"", text, "\""));
  }
  return time;
}

std::string FormatIsoDateTime(absl::Time time) {
  return absl::FormatTime("%E4Y-%m-%dT%H:%M:%S%Ez", time, absl::UTCTimeZone());
}

absl::Time FromEpochMillis(int64_t millis) { return absl::FromUnixMillis(millis); }

int64_t ToEpochMillis(absl::Time time) { return absl::ToUnixMillis(time); }

}  // namespace crmsync::zoho

// Exact conversions between Zoho's date and time strings and Abseil types. CRM writes dates as
// yyyy-mm-dd and times as ISO 8601 with an offset; Projects writes dates as MM-DD-YYYY, and its
// lists may append " hh:mm AM". A string that is not exactly one of these forms, or names a day
// that does not exist (02-30-2026), is INVALID_ARGUMENT: nothing is normalised silently.
#ifndef CRMSYNC_LIBS_ZOHO_DATES_H_
#define CRMSYNC_LIBS_ZOHO_DATES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace crmsync::zoho {

// "2026-11-23" ⇄ CivilDay(2026, 11, 23).
absl::StatusOr<absl::CivilDay> ParseCrmDate(absl::string_view text);
std::string FormatCrmDate(absl::CivilDay day);

// "11-23-2026" or "11-23-2026 09:30 AM" → CivilDay(2026, 11, 23) (the time of day is dropped).
absl::StatusOr<absl::CivilDay> ParseProjectsDate(absl::string_view text);
// CivilDay(2026, 11, 23) → "11-23-2026".
std::string FormatProjectsDate(absl::CivilDay day);

// "2026-11-23T09:30:00+05:30" (also "Z") ⇄ absl::Time, for times in the years 0000 to 9999 in
// UTC. Formatting writes UTC as "+00:00" and the year with four digits.
absl::StatusOr<absl::Time> ParseIsoDateTime(absl::string_view text);
std::string FormatIsoDateTime(absl::Time time);

// Projects' epoch-millisecond fields (`last_updated_time_long`).
absl::Time FromEpochMillis(int64_t millis);
int64_t ToEpochMillis(absl::Time time);

}  // namespace crmsync::zoho

#endif  // CRMSYNC_LIBS_ZOHO_DATES_H_

// Fuzz target: Zoho's date and time strings (libs/zoho/dates.h). The input is one candidate
// string. Invariants: a CRM or Projects date that parses formats back to exactly the input (the
// parsers normalise nothing); an ISO date-time that parses formats to a string that parses to the
// same instant; epoch milliseconds survive FromEpochMillis and ToEpochMillis unchanged.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"
#include "libs/zoho/dates.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace zoho = crmsync::zoho;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  if (absl::StatusOr<absl::CivilDay> day = zoho::ParseCrmDate(text); day.ok()) {
    FUZZ_CHECK(zoho::FormatCrmDate(*day) == text);
  }
  if (absl::StatusOr<absl::CivilDay> day = zoho::ParseProjectsDate(text); day.ok()) {
    const std::string formatted = zoho::FormatProjectsDate(*day);
    // A list's " hh:mm AM" suffix is dropped; the date itself must come back unchanged.
    FUZZ_CHECK(text.substr(0, formatted.size()) == formatted);
    absl::StatusOr<absl::CivilDay> again = zoho::ParseProjectsDate(formatted);
    FUZZ_CHECK(again.ok() && *again == *day);
  }
  if (absl::StatusOr<absl::Time> time = zoho::ParseIsoDateTime(text); time.ok()) {
    absl::StatusOr<absl::Time> again = zoho::ParseIsoDateTime(zoho::FormatIsoDateTime(*time));
    FUZZ_CHECK(again.ok() && *again == *time);
  }
  if (size >= sizeof(int64_t)) {
    int64_t millis = 0;
    std::memcpy(&millis, data, sizeof(millis));
    FUZZ_CHECK(zoho::ToEpochMillis(zoho::FromEpochMillis(millis)) == millis);
  }
  return 0;
}

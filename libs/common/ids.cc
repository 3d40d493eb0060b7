#include "libs/common/ids.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace crmsync {

absl::Status CheckRecordId(absl::string_view field, absl::string_view value) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  if (value.size() > kMaxRecordIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", kMaxRecordIdLength, " characters"));
  }
  for (char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return absl::InvalidArgumentError(absl::StrCat(field, ": only [0-9A-Za-z_-] allowed"));
    }
  }
  return absl::OkStatus();
}

}  // namespace crmsync

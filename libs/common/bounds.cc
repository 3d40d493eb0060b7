#include "libs/common/bounds.h"

#include "absl/strings/str_cat.h"

namespace crmsync {

absl::Status CheckMaxCharacters(absl::string_view field, absl::string_view text,
                                size_t max_characters) {
  // A code point takes at least one byte: most texts are decided without counting.
  if (text.size() <= max_characters) return absl::OkStatus();
  size_t characters = 0;
  for (char c : text) {
    // Every code point has exactly one byte that is not a UTF-8 continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++characters;
  }
  if (characters <= max_characters) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": at most ", max_characters, " characters"));
}

absl::Status CheckMaxCount(absl::string_view field, size_t count, size_t max_count) {
  if (count <= max_count) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": at most ", max_count, " entries"));
}

absl::Status CheckPageTokenLength(absl::string_view token) {
  return CheckMaxCharacters("page_token", token, kMaxPageTokenLength);
}

}  // namespace crmsync

#include "services/mapping/match_key.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

namespace crmsync::mapping {
namespace {

// Appends the code points of `text`, folded, skipping white space when `drop_space`.
std::string Fold(absl::string_view text, bool drop_space) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) c = 0xFFFD;
    if (drop_space && u_hasBinaryProperty(c, UCHAR_WHITE_SPACE)) continue;
    c = u_foldCase(c, U_FOLD_CASE_DEFAULT);
    uint8_t encoded[U8_MAX_LENGTH];
    int32_t n = 0;
    U8_APPEND_UNSAFE(encoded, n, c);
    out.append(reinterpret_cast<const char*>(encoded), n);
  }
  return out;
}

}  // namespace

std::string MatchKey(absl::string_view name) { return Fold(name, /*drop_space=*/true); }

std::string FoldCase(absl::string_view text) { return Fold(text, /*drop_space=*/false); }

int CodePointCount(absl::string_view text) {
  int count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool IsWellFormedUtf8(absl::string_view text) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

}  // namespace crmsync::mapping

// Bounds on the strings and repeated fields a request may carry, checked one way at every edge:
// a value past its bound is INVALID_ARGUMENT whose message names the field path first and
// never echoes the value (it may be a secret).
#ifndef CRMSYNC_LIBS_COMMON_BOUNDS_H_
#define CRMSYNC_LIBS_COMMON_BOUNDS_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace crmsync {

// Longest page token any List* RPC takes (common.proto "Paging"); the tokens servers issue are
// far shorter.
inline constexpr size_t kMaxPageTokenLength = 4096;

// OK when UTF-8 `text` has at most `max_characters` code points; otherwise INVALID_ARGUMENT
// "<field>: at most <max_characters> characters".
absl::Status CheckMaxCharacters(absl::string_view field, absl::string_view text,
                                size_t max_characters);

// OK when `count` is at most `max_count`; otherwise INVALID_ARGUMENT
// "<field>: at most <max_count> entries".
absl::Status CheckMaxCount(absl::string_view field, size_t count, size_t max_count);

// CheckMaxCharacters("page_token", token, kMaxPageTokenLength).
absl::Status CheckPageTokenLength(absl::string_view token);

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_BOUNDS_H_

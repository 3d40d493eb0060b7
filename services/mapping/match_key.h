// The text comparisons of the mapping service: account names match by their match key (white
// space removed, Unicode simple case folding, as mapping.proto's file comment defines), value-map
// side values and emails compare case-insensitively.
#ifndef CRMSYNC_SERVICES_MAPPING_MATCH_KEY_H_
#define CRMSYNC_SERVICES_MAPPING_MATCH_KEY_H_

#include <string>

#include "absl/strings/string_view.h"

namespace crmsync::mapping {

// `name` (UTF-8) with every Unicode White_Space code point removed and every code point replaced
// by its simple case folding: "Müller GmbH" and "MÜLLER  gmbh" both give "müllergmbh".
// Ill-formed UTF-8 sequences become U+FFFD.
std::string MatchKey(absl::string_view name);

// `text` (UTF-8) with Unicode simple case folding only (white space kept).
std::string FoldCase(absl::string_view text);

// Number of code points of well-formed UTF-8 `text`.
int CodePointCount(absl::string_view text);

// True when `text` is well-formed UTF-8 (no stray, truncated or overlong sequence, no surrogate).
bool IsWellFormedUtf8(absl::string_view text);

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_MATCH_KEY_H_

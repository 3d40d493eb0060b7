// Reads the emails notify builds back the way a mail client would: unfolded headers, RFC 2047
// words, base64 parts.
#ifndef CRMSYNC_TESTS_SERVICES_NOTIFY_MIME_H_
#define CRMSYNC_TESTS_SERVICES_NOTIFY_MIME_H_

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace crmsync::notify::testing {

// The header lines of a message, unfolded, before the first empty line.
inline std::vector<std::string> Headers(const std::string& data) {
  const std::string head = data.substr(0, data.find("\r\n\r\n"));
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !lines.empty()) {
      lines.back() += std::string(line);
    } else {
      lines.emplace_back(line);
    }
  }
  return lines;
}

// The value of the first header `name`, or "".
inline std::string Header(const std::string& data, absl::string_view name) {
  for (const auto& line : Headers(data)) {
    if (absl::StartsWithIgnoreCase(line, absl::StrCat(name, ": "))) {
      return line.substr(name.size() + 2);
    }
  }
  return "";
}

// A header value made of RFC 2047 UTF-8 B words (or plain text), decoded; "<bad word>" when a word
// does not decode.
inline std::string DecodeWords(absl::string_view value) {
  if (!absl::StartsWith(value, "=?UTF-8?B?")) return std::string(value);
  std::string out;
  for (absl::string_view word : absl::StrSplit(value, ' ', absl::SkipEmpty())) {
    std::string decoded;
    if (!absl::ConsumePrefix(&word, "=?UTF-8?B?") || !absl::ConsumeSuffix(&word, "?=") ||
        !absl::Base64Unescape(word, &decoded)) {
      return "<bad word>";
    }
    out += decoded;
  }
  return out;
}

// The decoded body of the part with this content type, or "".
inline std::string Part(const std::string& data, absl::string_view content_type) {
  const size_t type = data.find(absl::StrCat("Content-Type: ", content_type, ";"));
  if (type == std::string::npos) return "";
  const size_t start = data.find("\r\n\r\n", type) + 4;
  const size_t end = data.find("\r\n--", start);
  const std::string encoded = absl::StrReplaceAll(data.substr(start, end - start), {{"\r\n", ""}});
  std::string decoded;
  if (!absl::Base64Unescape(encoded, &decoded)) return "";
  return decoded;
}

}  // namespace crmsync::notify::testing

#endif  // CRMSYNC_TESTS_SERVICES_NOTIFY_MIME_H_

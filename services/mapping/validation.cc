#include "services/mapping/validation.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/common/bounds.h"
#include "libs/common/ids.h"
#include "libs/crypto/digest.h"
#include "services/mapping/match_key.h"

namespace crmsync::mapping {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// 16 hex digits of SHA-256: stable across processes and releases, unlike absl::Hash.
std::string Fingerprint(absl::string_view filter) {
  return crypto::Sha256Hex(filter).substr(0, 16);
}

}  // namespace

absl::Status ValidateId(absl::string_view id, absl::string_view field) {
  return CheckRecordId(field, id);
}

absl::Status ValidateName(absl::string_view name, absl::string_view field, int max_length) {
  if (MatchKey(name).empty()) return Invalid(field, "required (not blank)");
  if (CodePointCount(name) > max_length) {
    return Invalid(field, absl::StrCat("longer than ", max_length, " characters"));
  }
  return absl::OkStatus();
}

std::string EmailKey(absl::string_view email) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(email));
}

absl::StatusOr<std::string> ValidateEmail(absl::string_view email, absl::string_view field) {
  std::string key = EmailKey(email);
  const size_t at = key.find('@');
  const bool well_formed =
      key.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < key.size() &&
      key.find('@', at + 1) == std::string::npos &&
      std::none_of(key.begin(), key.end(), [](char c) { return absl::ascii_isspace(c); });
  if (!well_formed) return Invalid(field, "not an email address");
  return key;
}

absl::StatusOr<int> EffectivePageSize(int page_size) {
  if (page_size < 0) return Invalid("page_size", "must not be negative");
  if (page_size == 0) return 50;
  return std::min(page_size, 500);
}

std::string EncodePageToken(absl::string_view filter, const std::vector<std::string>& key) {
  std::string raw = Fingerprint(filter);
  for (const std::string& part : key) absl::StrAppend(&raw, part.size(), ":", part);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view filter,
                                                         size_t key_size) {
  if (auto status = CheckPageTokenLength(token); !status.ok()) return status;
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return Invalid("page_token", "malformed");
  const std::string fingerprint = Fingerprint(filter);
  absl::string_view rest = raw;
  if (!absl::ConsumePrefix(&rest, fingerprint)) {
    return Invalid("page_token", "malformed or issued for a different request");
  }
  std::vector<std::string> key;
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    size_t length = 0;
    if (colon == absl::string_view::npos || !absl::SimpleAtoi(rest.substr(0, colon), &length) ||
        length > rest.size() - colon - 1) {
      return Invalid("page_token", "malformed");
    }
    key.emplace_back(rest.substr(colon + 1, length));
    rest.remove_prefix(colon + 1 + length);
  }
  if (key.size() != key_size) return Invalid("page_token", "malformed");
  return key;
}

}  // namespace crmsync::mapping

#include "services/auth/grant.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/bounds.h"
#include "libs/common/ids.h"

namespace crmsync::auth {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

bool IsWordChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool IsHostName(absl::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') return false;
  for (char c : host) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
  }
  return true;
}

std::string FilterFingerprint(const GrantFilter& filter) {
  return absl::StrCat(filter.portal_id, "|",
                      filter.state ? GrantStateName(*filter.state) : absl::string_view("*"));
}

}  // namespace

absl::string_view SideName(Side side) { return side == Side::kCrm ? "CRM" : "PROJECTS"; }

absl::StatusOr<Side> SideFromName(absl::string_view name) {
  if (name == "CRM") return Side::kCrm;
  if (name == "PROJECTS") return Side::kProjects;
  return absl::InternalError(absl::StrCat("unknown stored side ", name));
}

absl::string_view GrantStateName(GrantState state) {
  return state == GrantState::kActive ? "ACTIVE" : "BROKEN";
}

absl::StatusOr<GrantState> GrantStateFromName(absl::string_view name) {
  if (name == "ACTIVE") return GrantState::kActive;
  if (name == "BROKEN") return GrantState::kBroken;
  return absl::InternalError(absl::StrCat("unknown stored grant state ", name));
}

std::string SealContext(const GrantKey& key, absl::string_view field) {
  return absl::StrCat("crmsync.auth/", key.portal_id, "/", SideName(key.side), "/", field);
}

absl::Status CheckPortalId(absl::string_view field, absl::string_view value) {
  return CheckRecordId(field, value);
}

bool IsScope(absl::string_view value) {
  if (value.empty() || value.size() > 200) return false;
  int parts = 1;
  size_t part_start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] != '.') {
      if (!IsWordChar(value[i])) return false;
      continue;
    }
    if (i == part_start) return false;  // empty part
    if (part_start == 0 && !absl::ascii_isalpha(static_cast<unsigned char>(value[0]))) {
      return false;
    }
    if (i < value.size()) {
      ++parts;
      part_start = i + 1;
    }
  }
  // The last part, the operation, is upper case.
  for (size_t i = part_start; i < value.size(); ++i) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(value[i]))) return false;
  }
  return parts >= 3;
}

absl::Status CheckScope(absl::string_view field, absl::string_view value) {
  if (!IsScope(value)) {
    return Invalid(field, absl::StrCat("\"", absl::CHexEscape(value.substr(0, 200)),
                                       "\" is not a scope of the form Service.scope.OPERATION"));
  }
  return absl::OkStatus();
}

absl::Status CheckEmail(absl::string_view field, absl::string_view value) {
  if (value.empty()) return Invalid(field, "required");
  size_t at = value.find('@');
  bool ok = value.size() <= 254 && at != absl::string_view::npos && at > 0 &&
            value.rfind('@') == at && IsHostName(value.substr(at + 1)) &&
            absl::StrContains(value.substr(at + 1), '.');
  for (char c : value) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      ok = false;
    }
  }
  if (!ok) return Invalid(field, "not an email address");
  return absl::OkStatus();
}

absl::Status CheckCredential(absl::string_view field, absl::string_view value) {
  if (value.empty()) return Invalid(field, "required");
  if (value.size() > 4096) return Invalid(field, "longer than 4096 characters");
  for (char c : value) {
    if (!absl::ascii_isgraph(static_cast<unsigned char>(c))) {
      return Invalid(field, "must be printable characters without spaces");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> NormalizeScopes(absl::string_view field,
                                                         const std::vector<std::string>& scopes) {
  if (scopes.empty()) return Invalid(field, "at least one scope is required");
  if (auto status = CheckMaxCount(field, scopes.size(), kMaxScopes); !status.ok()) return status;
  for (size_t i = 0; i < scopes.size(); ++i) {
    if (auto status = CheckScope(absl::StrCat(field, "[", i, "]"), scopes[i]); !status.ok()) {
      return status;
    }
  }
  std::vector<std::string> sorted = scopes;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
}

std::optional<std::string> MissingScope(const std::vector<std::string>& granted,
                                        const std::vector<std::string>& requested) {
  for (const std::string& scope : requested) {
    if (!std::binary_search(granted.begin(), granted.end(), scope)) return scope;
  }
  return std::nullopt;
}

std::string EncodeGrantPageToken(const GrantKey& last, const GrantFilter& filter) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(last.portal_id, "\n", SideName(last.side), "\n", FilterFingerprint(filter)));
}

absl::StatusOr<GrantKey> DecodeGrantPageToken(absl::string_view token, const GrantFilter& filter) {
  if (auto status = CheckPageTokenLength(token); !status.ok()) return status;
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return Invalid("page_token", "malformed");
  std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits('\n', 2));
  if (parts.size() != 3 || !CheckPortalId("page_token", parts[0]).ok()) {
    return Invalid("page_token", "malformed");
  }
  auto side = SideFromName(parts[1]);
  if (!side.ok()) return Invalid("page_token", "malformed");
  if (parts[2] != FilterFingerprint(filter)) {
    return Invalid("page_token", "issued for a different filter");
  }
  return GrantKey{parts[0], *side};
}

absl::StatusOr<int> EffectivePageSize(int page_size) {
  if (page_size < 0) return Invalid("page_size", "must not be negative");
  if (page_size == 0) return 50;
  return std::min(page_size, 500);
}

}  // namespace crmsync::auth

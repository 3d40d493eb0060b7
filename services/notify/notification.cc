#include "services/notify/notification.h"

#include <openssl/sha.h>

#include <cstdio>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "libs/common/bounds.h"
#include "nlohmann/json.hpp"

namespace crmsync::notify {
namespace {

struct KindEntry {
  Kind kind;
  absl::string_view name;
};
constexpr KindEntry kKindNames[] = {
    {Kind::kDueDateBeyondStrictSchedule, "due_date_beyond_strict_schedule"},
    {Kind::kSubtaskParentClosed, "subtask_parent_closed"},
    {Kind::kChangeRefusedByOtherSide, "change_refused_by_other_side"},
    {Kind::kDeliveryRetriesExhausted, "delivery_retries_exhausted"},
    {Kind::kOAuthGrantBroken, "oauth_grant_broken"},
};

struct StateEntry {
  State state;
  absl::string_view name;
};
constexpr StateEntry kStateNames[] = {{State::kPending, "PENDING"},
                                      {State::kSending, "SENDING"},
                                      {State::kSent, "SENT"},
                                      {State::kDead, "DEAD"}};

// RFC 5322 atext.
bool IsAtext(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != absl::string_view::npos;
}

bool IsDotAtom(absl::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char previous = 0;
  for (char c : s) {
    if (c == '.' && previous == '.') return false;
    if (c != '.' && !IsAtext(c)) return false;
    previous = c;
  }
  return true;
}

bool IsDomainName(absl::string_view domain) {
  if (domain.empty() || domain.size() > 253) return false;
  for (absl::string_view label : absl::StrSplit(domain, '.')) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
  }
  return true;
}

bool IsAddressLiteral(absl::string_view domain) {
  if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']') return false;
  for (char c : domain.substr(1, domain.size() - 2)) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) && c != '.' && c != ':') return false;
  }
  return true;
}

uint64_t Fingerprint(const ListFilter& filter) {
  // FNV-1a: stable across builds and processes, unlike absl::Hash, so tokens stay valid.
  uint64_t hash = 1469598103934665603ull;
  auto mix = [&hash](absl::string_view s) {
    for (unsigned char c : s) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
    hash ^= 0xff;  // separator, so ("ab","") and ("a","b") differ
    hash *= 1099511628211ull;
  };
  mix(filter.portal_id);
  mix(filter.recipient_email);
  mix(filter.state ? StateName(*filter.state) : "");
  return hash;
}

absl::Status BadToken(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("page_token: ", why));
}

}  // namespace

absl::string_view KindName(Kind kind) {
  for (const auto& entry : kKindNames) {
    if (entry.kind == kind) return entry.name;
  }
  return "unknown";
}

std::optional<Kind> KindFromName(absl::string_view name) {
  for (const auto& entry : kKindNames) {
    if (entry.name == name) return entry.kind;
  }
  return std::nullopt;
}

absl::string_view StateName(State state) {
  for (const auto& entry : kStateNames) {
    if (entry.state == state) return entry.name;
  }
  return "UNKNOWN";
}

std::optional<State> StateFromName(absl::string_view name) {
  for (const auto& entry : kStateNames) {
    if (entry.name == name) return entry.state;
  }
  return std::nullopt;
}

std::string ParametersToJson(const FailureParameters& p) {
  nlohmann::json json = {
      {"side", static_cast<int>(p.side)},
      {"task_id", p.task_id},
      {"task_title", p.task_title},
      {"project_id", p.project_id},
      {"project_name", p.project_name},
      {"field", p.field},
      {"attempted_value", p.attempted_value},
      {"kept_value", p.kept_value},
      {"reason", p.reason},
      {"occur_time_us", absl::ToUnixMicros(p.occur_time)},
      {"parent_task_title", p.parent_task_title},
  };
  if (p.project_start_date)
    json["project_start_date"] = absl::FormatCivilTime(*p.project_start_date);
  if (p.project_end_date) json["project_end_date"] = absl::FormatCivilTime(*p.project_end_date);
  return json.dump();
}

absl::StatusOr<FailureParameters> ParametersFromJson(absl::string_view text) {
  const auto json = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (!json.is_object()) return absl::InternalError("stored parameters are not a JSON object");
  FailureParameters p;
  try {
    p.side = static_cast<Side>(json.value("side", 0));
    p.task_id = json.value("task_id", "");
    p.task_title = json.value("task_title", "");
    p.project_id = json.value("project_id", "");
    p.project_name = json.value("project_name", "");
    p.field = json.value("field", "");
    p.attempted_value = json.value("attempted_value", "");
    p.kept_value = json.value("kept_value", "");
    p.reason = json.value("reason", "");
    p.occur_time = absl::FromUnixMicros(json.value("occur_time_us", int64_t{0}));
    p.parent_task_title = json.value("parent_task_title", "");
    for (auto [key, day] : {std::pair{"project_start_date", &p.project_start_date},
                            std::pair{"project_end_date", &p.project_end_date}}) {
      if (!json.contains(key)) continue;
      absl::CivilDay parsed;
      if (!absl::ParseCivilTime(json[key].get<std::string>(), &parsed)) {
        return absl::InternalError(absl::StrCat("stored ", key, " is not a date"));
      }
      *day = parsed;
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::InternalError(absl::StrCat("stored parameters: ", e.what()));
  }
  return p;
}

absl::Status ValidateText(absl::string_view value, absl::string_view field, size_t max_length,
                          bool single_line) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
  };
  size_t length = 0;
  for (size_t i = 0; i < value.size(); ++length) {
    const unsigned char lead = value[i];
    if (lead == 0) return bad("must not contain a NUL character");
    if (single_line && (lead < 0x20 || lead == 0x7f)) {
      return bad("must not contain a line break or control character");
    }
    // A lead byte's continuation bytes and the smallest code point it may start: no overlong
    // forms, no surrogates, nothing past U+10FFFF.
    size_t continuation = 0;
    uint32_t code_point = lead;
    uint32_t smallest = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      continuation = 1;
      code_point = lead & 0x1F;
      smallest = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      continuation = 2;
      code_point = lead & 0x0F;
      smallest = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      continuation = 3;
      code_point = lead & 0x07;
      smallest = 0x10000;
    } else if (lead >= 0x80) {
      return bad("not valid UTF-8");
    }
    if (i + continuation >= value.size() && continuation > 0) return bad("not valid UTF-8");
    for (size_t k = 1; k <= continuation; ++k) {
      const unsigned char next = value[i + k];
      if ((next & 0xC0) != 0x80) return bad("not valid UTF-8");
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return bad("not valid UTF-8");
    }
    i += continuation + 1;
  }
  if (length > max_length) return bad(absl::StrCat("longer than ", max_length, " characters"));
  return absl::OkStatus();
}

absl::Status ValidateFailureId(absl::string_view failure_id) {
  if (failure_id.empty()) return absl::InvalidArgumentError("failure_id: required");
  return ValidateText(failure_id, "failure_id", kMaxIdLength, /*single_line=*/true);
}

absl::Status ValidateEmailAddress(absl::string_view email, absl::string_view field) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
  };
  if (email.empty()) return bad("required");
  if (email.size() > 254) return bad("longer than 254 characters");
  const size_t at = email.rfind('@');
  if (at == absl::string_view::npos) return bad("not an email address (no @)");
  const absl::string_view local = email.substr(0, at);
  const absl::string_view domain = email.substr(at + 1);
  if (local.empty() || local.size() > 64 || !IsDotAtom(local)) {
    return bad("not an email address (bad local part)");
  }
  if (!IsDomainName(domain) && !IsAddressLiteral(domain)) {
    return bad("not an email address (bad domain)");
  }
  return absl::OkStatus();
}

absl::Status ValidateDisplayName(absl::string_view name, absl::string_view field) {
  return ValidateText(name, field, kMaxDisplayNameLength, /*single_line=*/true);
}

std::string MessageIdFor(absl::string_view failure_id) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(failure_id.data()), failure_id.size(), digest);
  // 128 bits of the digest are ample against collisions and keep header lines short.
  std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 16));
  return absl::StrCat("<", hex, "@crmsync>");
}

absl::StatusOr<int> EffectivePageSize(int page_size) {
  if (page_size < 0) return absl::InvalidArgumentError("page_size: must not be negative");
  if (page_size == 0) return kDefaultPageSize;
  return std::min(page_size, kMaxPageSize);
}

std::string EncodePageToken(const PageKey& key, const ListFilter& filter) {
  const std::string raw = absl::StrCat(absl::ToUnixMicros(key.create_time), ":",
                                       key.notification_id, ":", absl::Hex(Fingerprint(filter)));
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<PageKey> DecodePageToken(absl::string_view token, const ListFilter& filter) {
  if (auto status = CheckPageTokenLength(token); !status.ok()) return status;
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return BadToken("does not decode");
  std::vector<absl::string_view> parts = absl::StrSplit(raw, ':');
  int64_t micros = 0;
  PageKey key;
  uint64_t fingerprint = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &micros) ||
      !absl::SimpleAtoi(parts[1], &key.notification_id) ||
      !absl::SimpleHexAtoi(parts[2], &fingerprint)) {
    return BadToken("does not decode");
  }
  if (fingerprint != Fingerprint(filter)) return BadToken("was issued for another filter");
  key.create_time = absl::FromUnixMicros(micros);
  return key;
}

}  // namespace crmsync::notify

#include "services/auth/environment_tokens.h"

#include <cstdlib>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace crmsync::auth {
namespace {

constexpr size_t kMinSecret = 32;
constexpr size_t kMaxSecret = 1024;
constexpr size_t kMaxName = 50;

absl::Status Malformed(absl::string_view variable, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(variable, ": ", problem));
}

// Why `secret` cannot be one, or "" when it can. Visible ASCII only: the token travels as an
// HTTP/2 header value.
std::string SecretProblem(absl::string_view secret) {
  if (secret.size() < kMinSecret || secret.size() > kMaxSecret) {
    return absl::StrCat("the secret must be ", kMinSecret, " to ", kMaxSecret, " characters long");
  }
  for (char c : secret) {
    if (!absl::ascii_isgraph(static_cast<unsigned char>(c))) {
      return "the secret must be visible ASCII characters only, without spaces";
    }
  }
  return "";
}

bool IsName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxName) return false;
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<EnvironmentToken>> ParseEnvironmentTokens(
    absl::string_view bootstrap_admin_token, absl::string_view service_tokens) {
  std::vector<EnvironmentToken> tokens;
  // Where each secret was seen, to refuse one token's secret given to another.
  absl::flat_hash_map<absl::string_view, std::string> secrets;
  if (!bootstrap_admin_token.empty()) {
    if (std::string problem = SecretProblem(bootstrap_admin_token); !problem.empty()) {
      return Malformed(kBootstrapAdminTokenVariable, problem);
    }
    tokens.push_back({"bootstrap-admin", "bootstrap-admin", CallerRole::kAdmin,
                      std::string(bootstrap_admin_token)});
    secrets.emplace(bootstrap_admin_token, kBootstrapAdminTokenVariable);
  }
  if (service_tokens.empty()) return tokens;
  absl::flat_hash_map<absl::string_view, int> names;
  const std::vector<absl::string_view> entries = absl::StrSplit(service_tokens, ',');
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string entry = absl::StrCat("entry ", i + 1, " of ", entries.size());
    const size_t colon = entries[i].find(':');
    if (colon == absl::string_view::npos) {
      return Malformed(kServiceTokensVariable, absl::StrCat(entry, " is not name:secret"));
    }
    const absl::string_view name = entries[i].substr(0, colon);
    const absl::string_view secret = entries[i].substr(colon + 1);
    if (!IsName(name)) {
      return Malformed(kServiceTokensVariable,
                       absl::StrCat(entry, ": the name must be 1 to ", kMaxName,
                                    " characters of a-z, 0-9 and -"));
    }
    if (auto [seen, added] = names.emplace(name, i + 1); !added) {
      return Malformed(kServiceTokensVariable,
                       absl::StrCat(entry, " repeats the name of entry ", seen->second));
    }
    if (std::string problem = SecretProblem(secret); !problem.empty()) {
      return Malformed(kServiceTokensVariable, absl::StrCat(entry, ": ", problem));
    }
    if (auto [seen, added] = secrets.emplace(secret, absl::StrCat("entry ", i + 1)); !added) {
      return Malformed(kServiceTokensVariable,
                       absl::StrCat(entry, " repeats the secret of ", seen->second));
    }
    tokens.push_back({absl::StrCat("service-", name), std::string(name), CallerRole::kService,
                      std::string(secret)});
  }
  return tokens;
}

absl::StatusOr<std::vector<EnvironmentToken>> EnvironmentTokens() {
  const char* admin = std::getenv(kBootstrapAdminTokenVariable);
  const char* services = std::getenv(kServiceTokensVariable);
  return ParseEnvironmentTokens(admin == nullptr ? "" : admin, services == nullptr ? "" : services);
}

}  // namespace crmsync::auth

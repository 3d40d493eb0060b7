// The auth service's domain: OAuth grants, their keys and the rules their fields obey. Plain
// structs and pure functions: no I/O, no clock, no gRPC, no SQL.
#ifndef CRMSYNC_SERVICES_AUTH_GRANT_H_
#define CRMSYNC_SERVICES_AUTH_GRANT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/zoho/hosts.h"

namespace crmsync::auth {

enum class Side { kCrm, kProjects };
enum class GrantState { kActive, kBroken };

// "CRM" / "PROJECTS", as stored.
absl::string_view SideName(Side side);
absl::StatusOr<Side> SideFromName(absl::string_view name);
absl::string_view GrantStateName(GrantState state);
absl::StatusOr<GrantState> GrantStateFromName(absl::string_view name);

struct GrantKey {
  std::string portal_id;
  Side side = Side::kCrm;

  bool operator==(const GrantKey&) const = default;
  auto operator<=>(const GrantKey&) const = default;
};

// A grant as stored. Secrets are sealed values (libs/crypto); the clear text exists only in the
// moment of a mint or a rotation.
struct Grant {
  GrantKey key;
  std::string accounts_server_url;
  std::string api_domain;
  std::string client_id;
  std::string client_secret_sealed;
  std::string refresh_token_sealed;
  std::string key_id;
  std::vector<std::string> scopes;  // sorted, unique
  std::string owner_email;
  GrantState state = GrantState::kActive;
  std::string broken_reason;
  std::optional<absl::Time> broken_time;
  std::optional<std::string> access_token_sealed;
  std::optional<absl::Time> access_token_expire_time;
  absl::Time create_time;
  absl::Time update_time;
};

// What RegisterGrant receives, validated. Holds secrets in clear: never log it.
struct GrantRegistration {
  GrantKey key;
  std::string accounts_server_url;
  std::string api_domain;
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
  std::vector<std::string> scopes;  // sorted, unique
  std::string owner_email;
  bool replace_existing = false;
};

// The associated data a secret of `key` is sealed with, so a sealed value only opens for the
// grant and field it was written for. `field`: "client_secret", "refresh_token", "access_token".
std::string SealContext(const GrantKey& key, absl::string_view field);

// A grant names only Zoho's hosts, so no caller can send a portal's refresh token or API traffic
// elsewhere: libs/zoho/hosts.h has the hosts and the rule.
using zoho::CheckZohoUrl;
using zoho::ZohoHostKind;
using zoho::ZohoHosts;

// Field rules. Each returns INVALID_ARGUMENT whose message starts with `field`.
//
// A Zoho record id per crmsync.common.v1: 1..64 characters of [0-9A-Za-z_-].
absl::Status CheckPortalId(absl::string_view field, absl::string_view value);
// A Zoho scope "Service.scope.OPERATION": at least three dot-separated parts of
// [A-Za-z0-9_], the first starting with a letter, the last (the operation) upper case.
absl::Status CheckScope(absl::string_view field, absl::string_view value);
// CheckScope's rule as a predicate (no allocation: it runs on every GetAccessToken).
bool IsScope(absl::string_view value);
// A mailbox "local@domain.tld" without spaces, at most 254 characters.
absl::Status CheckEmail(absl::string_view field, absl::string_view value);
// A credential string: 1..4096 printable characters without spaces. The message never
// echoes the value.
absl::Status CheckCredential(absl::string_view field, absl::string_view value);

// Most scopes a grant or a token request lists.
inline constexpr size_t kMaxScopes = 50;

// Checks each scope (the message names `field[i]`) and returns them sorted without duplicates;
// INVALID_ARGUMENT when there is none or more than kMaxScopes.
absl::StatusOr<std::vector<std::string>> NormalizeScopes(absl::string_view field,
                                                         const std::vector<std::string>& scopes);

// The first of `requested` that `granted` (sorted) does not hold, if any.
std::optional<std::string> MissingScope(const std::vector<std::string>& granted,
                                        const std::vector<std::string>& requested);

// ListGrants filter and keyset paging.
struct GrantFilter {
  std::string portal_id;            // empty: every portal
  std::optional<GrantState> state;  // nullopt: any state
};
// An unpadded web-safe base64 token naming the last returned key and the filter it belongs to.
std::string EncodeGrantPageToken(const GrantKey& last, const GrantFilter& filter);
// The key after which the next page starts; INVALID_ARGUMENT (page_token) when the token does
// not decode or was issued for another filter.
absl::StatusOr<GrantKey> DecodeGrantPageToken(absl::string_view token, const GrantFilter& filter);
// page_size per crmsync.common.v1: 0 → 50, above 500 → 500, negative INVALID_ARGUMENT.
absl::StatusOr<int> EffectivePageSize(int page_size);

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_GRANT_H_

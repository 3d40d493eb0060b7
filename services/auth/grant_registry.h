// Grant administration: register (checked by a mint), read, list, revoke, and re-encrypt every
// stored secret under the newest key. Secrets are sealed before they reach the store and never
// leave this class in clear except towards the accounts server.
#ifndef CRMSYNC_SERVICES_AUTH_GRANT_REGISTRY_H_
#define CRMSYNC_SERVICES_AUTH_GRANT_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/common/clock.h"
#include "libs/crypto/aead.h"
#include "services/auth/accounts.h"
#include "services/auth/grant.h"
#include "services/auth/store.h"
#include "services/auth/token_vendor.h"

namespace crmsync::auth {

struct GrantPage {
  std::vector<Grant> grants;
  std::string next_page_token;  // empty on the last page
};

struct RevokedGrant {
  Grant grant;
  bool revoked_at_zoho = false;
};

struct RotationCounts {
  std::string key_id;
  int64_t grants_rewritten = 0;
  int64_t secrets_rewritten = 0;
  int64_t secrets_already_current = 0;
  int64_t secrets_failed = 0;
};

class GrantRegistry {
 public:
  // All references must outlive the registry. `allow_loopback_http` as CheckZohoUrl's, for the
  // api_domain the check mint returns.
  GrantRegistry(AuthStore& store, Accounts& accounts, const crypto::KeySet& keys,
                const Clock& clock, TokenVendor& vendor, bool allow_loopback_http)
      : store_(store),
        accounts_(accounts),
        keys_(keys),
        clock_(clock),
        vendor_(vendor),
        allow_loopback_http_(allow_loopback_http) {}

  // Mints a token with the registration's credentials, then stores the grant (secrets sealed)
  // with that token. Errors as the RegisterGrant contract: FAILED_PRECONDITION naming
  // invalid_code / invalid_client (nothing stored), ALREADY_EXISTS, RESOURCE_EXHAUSTED,
  // UNAVAILABLE (also when the accounts server names an api_domain that is not Zoho's; nothing
  // stored).
  absl::StatusOr<Grant> Register(const GrantRegistration& registration);

  absl::StatusOr<Grant> Get(const GrantKey& key);

  // A page of grants; `page_token` as issued by a previous page of the same filter.
  absl::StatusOr<GrantPage> List(const GrantFilter& filter, int page_size,
                                 absl::string_view page_token);

  // Revokes the refresh token at the accounts server (unless `local_only`), then deletes the
  // grant. UNAVAILABLE (nothing deleted) when the accounts server cannot be reached.
  absl::StatusOr<RevokedGrant> Revoke(const GrantKey& key, bool local_only);

  // Re-encrypts every secret not under the newest key, one grant per transaction.
  // FAILED_PRECONDITION when no key is configured.
  absl::StatusOr<RotationCounts> RotateKeys(bool dry_run);

 private:
  AuthStore& store_;
  Accounts& accounts_;
  const crypto::KeySet& keys_;
  const Clock& clock_;
  TokenVendor& vendor_;
  const bool allow_loopback_http_;
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_GRANT_REGISTRY_H_

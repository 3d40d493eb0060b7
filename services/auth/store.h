// The auth service's persistence, as an interface: grants, their shared access tokens, the mint
// log that keeps Zoho's per-grant mint limit across replicas, and the broken-grant failures
// relayed to notify through the work queue (libs/work_queue, queue kFailureQueue). PgStore is the
// implementation; values are stored as the domain hands them (secrets already sealed).
#ifndef CRMSYNC_SERVICES_AUTH_STORE_H_
#define CRMSYNC_SERVICES_AUTH_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/auth/grant.h"

namespace crmsync::auth {

// A token minted by the accounts server, sealed.
struct StoredToken {
  std::string sealed;
  absl::Time expire_time;
  std::string api_domain;
};

// A grant that has just broken, and the failure to queue for its owner.
struct GrantBreak {
  std::string reason;
  std::string failure_id;
};

// The outcome of a locked refresh, written in the same transaction as the lock. Empty: nothing
// to write (the stored token was current, or the mint failed transiently).
struct RefreshWrite {
  std::optional<StoredToken> minted;  // store it and log one mint
  std::optional<GrantBreak> broken;   // mark the grant BROKEN and queue the failure's relay
};

// A grant under its row lock, with the number of mints it made in the current window.
struct LockedGrant {
  Grant grant;
  int mints_in_window = 0;
};

// Rewritten sealed secrets of one grant (key rotation).
struct SealedSecrets {
  std::string client_secret_sealed;
  std::string refresh_token_sealed;
  std::optional<std::string> access_token_sealed;
  std::string key_id;
};

// The work queue relaying broken-grant failures to notify: one item per failure, keyed (and
// carrying as payload) its failure id.
inline constexpr char kFailureQueue[] = "auth_failure_relay";

// A broken-grant failure for its owner.
struct QueuedFailure {
  std::string failure_id;
  GrantKey key;
  std::string owner_email;
  std::string reason;
  absl::Time occur_time;
};

class AuthStore {
 public:
  virtual ~AuthStore() = default;

  // Stores a new grant with its first token (and logs that mint at `now`). With `replace`, an
  // existing grant of the key is overwritten (create_time kept, state ACTIVE); without it an
  // existing grant is ALREADY_EXISTS. Returns the stored grant.
  virtual absl::StatusOr<Grant> PutGrant(const Grant& grant, bool replace, absl::Time now) = 0;

  // NOT_FOUND when there is no grant for `key`.
  virtual absl::StatusOr<Grant> GetGrant(const GrantKey& key) = 0;

  // Up to `limit` grants matching `filter` ordered by key, starting after `after`.
  virtual absl::StatusOr<std::vector<Grant>> ListGrants(const GrantFilter& filter,
                                                        const std::optional<GrantKey>& after,
                                                        int limit) = 0;

  // Deletes the grant with its token and mint log; NOT_FOUND when there is none.
  virtual absl::Status DeleteGrant(const GrantKey& key) = 0;

  // Locks the grant's row (excluding every other replica's refresh of it), reads it afresh with
  // its mints since now - window, runs `decide` and writes what it returns, then commits.
  // `decide` may call the accounts server: it runs at most once per call unless the database
  // reports a deadlock. NOT_FOUND when there is no grant.
  virtual absl::Status RefreshLocked(
      const GrantKey& key, absl::Time now, absl::Duration window,
      const std::function<RefreshWrite(const LockedGrant&)>& decide) = 0;

  // ACTIVE grants whose token is missing or expires before `expiring_before`.
  virtual absl::StatusOr<std::vector<GrantKey>> GrantsToRefresh(absl::Time expiring_before) = 0;

  // Every grant's key, in key order.
  virtual absl::StatusOr<std::vector<GrantKey>> AllGrantKeys() = 0;

  // Locks one grant and replaces its sealed secrets with what `rewrite` returns (nothing when it
  // returns nullopt). NOT_FOUND when the grant is gone.
  virtual absl::Status RewriteSecrets(
      const GrantKey& key, const std::function<std::optional<SealedSecrets>(const Grant&)>& rewrite,
      absl::Time now) = 0;

  virtual absl::StatusOr<int64_t> CountBrokenGrants() = 0;

  // The failure queued under `failure_id`; NOT_FOUND when there is none.
  virtual absl::StatusOr<QueuedFailure> GetFailure(const std::string& failure_id) = 0;
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_STORE_H_

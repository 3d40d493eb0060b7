// The auth service's persistence, as an interface: grants, their shared access tokens and refresh
// leases, the mint log that keeps Zoho's per-grant mint limit across replicas, and the broken-grant
// failures relayed to notify through the work queue (libs/work_queue, queue kFailureQueue).
// PgStore is the implementation; values are stored as the domain hands them (secrets already
// sealed).
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

// What a refresh lease ends with, written in one transaction with the lease's end. Empty: no
// new token (the mint failed or was not made).
struct RefreshWrite {
  std::optional<StoredToken> minted;  // becomes the grant's shared token
  std::optional<GrantBreak> broken;   // mark the grant BROKEN and queue the failure's relay
  // The accounts server certainly did not mint (a throttle reply, a connection refused), so the
  // mint counted when the lease was taken is dropped.
  bool uncount_mint = false;
};

// A grant under its row lock, with what deciding on a refresh lease needs.
struct LockedGrant {
  Grant grant;
  int mints_in_window = 0;
  // The fence of the grant's latest refresh lease, and until when its holder may still be
  // minting (unset once it ended).
  int64_t fence = 0;
  std::optional<absl::Time> lease_until;
};

// A refresh lease to take.
struct LeaseRequest {
  std::string owner;  // who holds it (host and process), for operators
  absl::Time until;   // when it expires if its holder never ends it
};

// What LeaseRefresh read and, when the lease was taken, its fence.
struct LeaseOutcome {
  LockedGrant locked;
  std::optional<int64_t> fence;
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

  // NOT_FOUND when there is no grant for `key`. DEADLINE_EXCEEDED once `deadline` has passed.
  virtual absl::StatusOr<Grant> GetGrant(const GrantKey& key, absl::Time deadline) = 0;

  // Up to `limit` grants matching `filter` ordered by key, starting after `after`.
  virtual absl::StatusOr<std::vector<Grant>> ListGrants(const GrantFilter& filter,
                                                        const std::optional<GrantKey>& after,
                                                        int limit) = 0;

  // Deletes the grant with its token and mint log; NOT_FOUND when there is none.
  virtual absl::Status DeleteGrant(const GrantKey& key) = 0;

  // One short transaction: locks the grant's row, reads it with its mints since now - window
  // and its lease, and when `take` says so takes the refresh lease (a new fence, `lease`) and
  // counts one mint at `now` under it. Commits before returning, so the lease and the count
  // survive a crash during the mint that follows and no lock is held during it. `take` must do
  // no I/O: a retried transaction runs it again. NOT_FOUND when there is no grant;
  // DEADLINE_EXCEEDED once `deadline` has passed.
  virtual absl::StatusOr<LeaseOutcome> LeaseRefresh(
      const GrantKey& key, absl::Time now, absl::Duration window, const LeaseRequest& lease,
      const std::function<bool(const LockedGrant&)>& take, absl::Time deadline) = 0;

  // Ends the lease `fence` writing `write`, in one transaction, only while `fence` is still the
  // grant's latest (its lease was not taken over, the grant not replaced or deleted). Returns
  // false, having written nothing, when it is not.
  virtual absl::StatusOr<bool> FinishRefresh(const GrantKey& key, int64_t fence,
                                             const RefreshWrite& write, absl::Time now,
                                             absl::Time deadline) = 0;

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

// AuthStore and CallerTokenStore on PostgreSQL (schema "auth"): the only auth file that touches
// libpqxx. The SQL is in services/auth/queries/, prepared on every pool connection under the file
// names.
#ifndef CRMSYNC_SERVICES_AUTH_PG_STORE_H_
#define CRMSYNC_SERVICES_AUTH_PG_STORE_H_

#include "libs/pg/pool.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/auth/caller_tokens.h"
#include "services/auth/store.h"

namespace crmsync::auth {

class PgStore : public AuthStore, public CallerTokenStore {
 public:
  // `pool` must prepare crmsync::auth::Queries() and outlive the store.
  explicit PgStore(pg::Pool& pool) : pool_(pool) {}

  absl::StatusOr<Grant> PutGrant(const Grant& grant, bool replace, absl::Time now) override;
  absl::StatusOr<Grant> GetGrant(const GrantKey& key, absl::Time deadline) override;
  absl::StatusOr<std::vector<Grant>> ListGrants(const GrantFilter& filter,
                                                const std::optional<GrantKey>& after,
                                                int limit) override;
  absl::Status DeleteGrant(const GrantKey& key) override;
  absl::StatusOr<LeaseOutcome> LeaseRefresh(const GrantKey& key, absl::Time now,
                                            absl::Duration window, const LeaseRequest& lease,
                                            const std::function<bool(const LockedGrant&)>& take,
                                            absl::Time deadline) override;
  absl::StatusOr<bool> FinishRefresh(const GrantKey& key, int64_t fence, const RefreshWrite& write,
                                     absl::Time now, absl::Time deadline) override;
  absl::StatusOr<std::vector<GrantKey>> GrantsToRefresh(absl::Time expiring_before) override;
  absl::StatusOr<std::vector<GrantKey>> AllGrantKeys() override;
  absl::Status RewriteSecrets(
      const GrantKey& key, const std::function<std::optional<SealedSecrets>(const Grant&)>& rewrite,
      absl::Time now) override;
  absl::StatusOr<int64_t> CountBrokenGrants() override;
  absl::StatusOr<QueuedFailure> GetFailure(const std::string& failure_id) override;

  // For the kFailureQueue PgWorkQueue: a delivered failure gets its delivery time.
  static work_queue::PgHooks QueueHooks();

  absl::Status InsertCallerToken(const CallerToken& token) override;
  absl::StatusOr<CallerToken> FindCallerToken(const std::string& sha256) override;
  absl::StatusOr<CallerToken> RevokeCallerToken(const std::string& id, absl::Time now) override;
  absl::StatusOr<std::vector<CallerToken>> ListCallerTokens(
      std::optional<CallerTokenState> state, absl::Time now,
      std::optional<std::pair<absl::Time, std::string>> after, int limit) override;
  absl::StatusOr<EnvironmentTokenChanges> PutEnvironmentTokens(
      const std::vector<CallerToken>& tokens, absl::Time now) override;

 private:
  pg::Pool& pool_;
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_PG_STORE_H_

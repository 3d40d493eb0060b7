// InboxStore on PostgreSQL (schema "sync", tables inbox, webhook_secrets and crm_watch_channels
// of V004).
#ifndef CRMSYNC_SERVICES_SYNC_STORE_PG_INBOX_STORE_H_
#define CRMSYNC_SERVICES_SYNC_STORE_PG_INBOX_STORE_H_

#include "libs/pg/pool.h"
#include "services/sync/store/inbox_store.h"

namespace crmsync::sync {

class PgInboxStore : public InboxStore {
 public:
  // `pool` must have the sync queries prepared and outlive the store.
  explicit PgInboxStore(pg::Pool& pool) : pool_(pool) {}

  absl::StatusOr<std::optional<WebhookDigests>> WebhookSecretDigests(absl::string_view portal_id,
                                                                     Side side) override;
  absl::Status SetWebhookSecretDigest(absl::string_view portal_id, Side side,
                                      absl::string_view secret_sha256, absl::Time now) override;
  absl::StatusOr<int64_t> AddRequest(absl::string_view portal_id, Side side, absl::string_view body,
                                     absl::Time now) override;
  absl::StatusOr<InboxRequest> GetRequest(int64_t inbox_id) override;
  absl::StatusOr<int64_t> AddCrmWatch(absl::string_view portal_id, int64_t channel_id,
                                      absl::Time now) override;
  absl::StatusOr<std::vector<CrmWatchClaim>> ClaimCrmWatches(absl::Time now,
                                                             absl::Time renew_before,
                                                             absl::Time lease_until,
                                                             int limit) override;
  absl::Status CrmWatchRenewed(absl::string_view portal_id, absl::string_view token_sha256,
                               absl::Time expiry, absl::Time now) override;
  absl::Status CrmWatchFailed(absl::string_view portal_id, absl::string_view error) override;

 private:
  pg::Pool& pool_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_PG_INBOX_STORE_H_

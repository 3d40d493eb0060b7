// NotifyStore on PostgreSQL (schema "notify"): the only notify file that touches libpqxx. The
// queue is the notifications table itself; senders claim due rows with FOR UPDATE SKIP LOCKED and
// hold them under a lease.
#ifndef CRMSYNC_SERVICES_NOTIFY_PG_STORE_H_
#define CRMSYNC_SERVICES_NOTIFY_PG_STORE_H_

#include "libs/pg/pool.h"
#include "services/notify/store.h"

namespace crmsync::notify {

class PgStore : public NotifyStore {
 public:
  // `pool` must have the notify queries prepared and outlive the store.
  explicit PgStore(pg::Pool& pool) : pool_(pool) {}

  absl::StatusOr<InsertResult> Insert(const NewNotification& notification,
                                      absl::string_view subject, absl::Time now,
                                      absl::Time due) override;
  absl::StatusOr<Notification> GetById(absl::string_view notification_id) override;
  absl::StatusOr<Notification> GetByFailureId(absl::string_view failure_id) override;
  absl::StatusOr<ListPage> List(const ListFilter& filter, std::optional<PageKey> after,
                                int limit) override;
  absl::StatusOr<std::vector<Claim>> ClaimDue(int limit, absl::Duration lease,
                                              absl::Time now) override;
  absl::StatusOr<std::vector<Claim>> ClaimPendingForRecipient(const Claim& claim, int limit,
                                                              absl::Duration lease,
                                                              absl::Time now) override;
  absl::Status MarkSent(const Claim& claim, absl::Time now) override;
  absl::Status MarkRetry(const Claim& claim, absl::string_view error, absl::Time next_attempt,
                         absl::Time now) override;
  absl::Status MarkDead(const Claim& claim, absl::string_view error, absl::Time now) override;
  absl::StatusOr<QueueStats> Stats(absl::Time now) override;

 private:
  pg::Pool& pool_;
};

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_PG_STORE_H_

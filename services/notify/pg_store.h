// NotifyStore on PostgreSQL (schema "notify"): the only notify file that touches libpqxx. Each
// notification's email is an item of the work queue's table in the same schema; QueueHooks keep
// the notification's state in step, in the queue's own transactions.
#ifndef CRMSYNC_SERVICES_NOTIFY_PG_STORE_H_
#define CRMSYNC_SERVICES_NOTIFY_PG_STORE_H_

#include "libs/pg/pool.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/notify/store.h"

namespace crmsync::notify {

class PgStore : public NotifyStore {
 public:
  // `pool` must have the notify queries prepared and outlive the store.
  explicit PgStore(pg::Pool& pool) : pool_(pool) {}

  absl::StatusOr<InsertResult> Insert(const NewNotification& notification,
                                      absl::string_view subject, absl::Time now, absl::Time due,
                                      absl::Time deadline) override;
  absl::StatusOr<Notification> GetById(absl::string_view notification_id,
                                       absl::Time deadline) override;
  absl::StatusOr<Notification> GetByFailureId(absl::string_view failure_id,
                                              absl::Time deadline) override;
  absl::StatusOr<ListPage> List(const ListFilter& filter, std::optional<PageKey> after, int limit,
                                absl::Time deadline) override;

  // For the kEmailQueue PgWorkQueue: a claimed notification turns SENDING with the claim's
  // attempt; a completed one SENT, DEAD, or PENDING again (retry or released), with the item's
  // error and next attempt.
  static work_queue::PgHooks QueueHooks();

 private:
  pg::Pool& pool_;
};

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_PG_STORE_H_

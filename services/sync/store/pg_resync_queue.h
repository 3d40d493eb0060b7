// ResyncQueue on PostgreSQL: the portal's links (task_links) queued on the sync schema's work
// queue in one transaction.
#ifndef CRMSYNC_SERVICES_SYNC_STORE_PG_RESYNC_QUEUE_H_
#define CRMSYNC_SERVICES_SYNC_STORE_PG_RESYNC_QUEUE_H_

#include "libs/pg/pool.h"
#include "services/sync/resync.h"

namespace crmsync::sync {

class PgResyncQueue : public ResyncQueue {
 public:
  // `pool` must have the sync and work queue queries prepared and outlive the queue.
  explicit PgResyncQueue(pg::Pool& pool) : pool_(pool) {}

  absl::StatusOr<int> QueueLinkedTasks(absl::string_view portal_id, absl::Time now) override;

 private:
  pg::Pool& pool_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_PG_RESYNC_QUEUE_H_

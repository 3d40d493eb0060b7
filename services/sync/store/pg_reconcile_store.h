// ReconcileStore on PostgreSQL: passes on the sync schema's work queue, cursors in
// reconcile_cursors (V007).
#ifndef CRMSYNC_SERVICES_SYNC_STORE_PG_RECONCILE_STORE_H_
#define CRMSYNC_SERVICES_SYNC_STORE_PG_RECONCILE_STORE_H_

#include <vector>

#include "libs/pg/pool.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/sync/store/reconcile_store.h"

namespace crmsync::sync {

class PgReconcileStore : public ReconcileStore {
 public:
  // `pool` must have the sync and work queue queries prepared and outlive the store.
  explicit PgReconcileStore(pg::Pool& pool) : pool_(pool) {}

  // The hooks of kReconcileQueue's PgWorkQueue: a pass done queues the portal's next one, due
  // `interval` later, in the same transaction, unless the portal has no live link left (a new
  // link gets it a pass through QueuePasses).
  static work_queue::PgHooks PassHooks(absl::Duration interval);

  absl::StatusOr<int> QueuePasses(absl::Time now) override;
  absl::StatusOr<std::vector<TaskLink>> LiveLinks(absl::string_view portal_id,
                                                  absl::Time deadline) override;
  absl::StatusOr<ReconcileCursors> Cursors(absl::string_view portal_id,
                                           absl::Time deadline) override;
  absl::Status AdvanceCursor(absl::string_view portal_id, Side side, absl::Time to, absl::Time now,
                             absl::Time deadline) override;

 private:
  pg::Pool& pool_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_PG_RECONCILE_STORE_H_

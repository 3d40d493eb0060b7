// What the periodic reconciliation keeps and reads: one work queue item per portal that has live
// links (a pass of that portal, re-queued due one interval after it succeeded), the portal's
// live links, and per portal and side the time up to which Zoho was read. PgReconcileStore is
// the implementation.
#ifndef CRMSYNC_SERVICES_SYNC_STORE_RECONCILE_STORE_H_
#define CRMSYNC_SERVICES_SYNC_STORE_RECONCILE_STORE_H_

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/common/side.h"
#include "services/sync/store/store.h"

namespace crmsync::sync {

// The work queue (libs/work_queue) of reconciliation passes: at most one item per portal pending
// or running, carrying the portal id.
inline constexpr char kReconcileQueue[] = "sync_reconcile";

// Up to when each side of a portal was read by a pass that succeeded; nullopt: never.
struct ReconcileCursors {
  std::optional<absl::Time> crm;
  std::optional<absl::Time> projects;
};

class ReconcileStore {
 public:
  virtual ~ReconcileStore() = default;

  // Queues a pass, due at `now`, for each portal with an ACTIVE or PENDING_CREATE link that has
  // no pass pending or running (replicas calling it at once queue one); returns how many.
  virtual absl::StatusOr<int> QueuePasses(absl::Time now) = 0;

  // The portal's ACTIVE and PENDING_CREATE links: their project, task ids, parent, state and
  // create time.
  virtual absl::StatusOr<std::vector<TaskLink>> LiveLinks(absl::string_view portal_id,
                                                          absl::Time deadline) = 0;

  virtual absl::StatusOr<ReconcileCursors> Cursors(absl::string_view portal_id,
                                                   absl::Time deadline) = 0;

  // Moves the cursor of `side` to `to`; a cursor already later stays.
  virtual absl::Status AdvanceCursor(absl::string_view portal_id, Side side, absl::Time to,
                                     absl::Time now, absl::Time deadline) = 0;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_RECONCILE_STORE_H_

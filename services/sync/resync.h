// Resync: re-reading linked tasks from both sides and submitting what differs from the canonical
// state as changes (SyncService.Resync). A portal's tasks are items of work queue kResyncQueue,
// one per task, payload "<portal id>\t<Projects task id>", processed by the same code as one task.
#ifndef CRMSYNC_SERVICES_SYNC_RESYNC_H_
#define CRMSYNC_SERVICES_SYNC_RESYNC_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/sync/change/task.h"
#include "services/sync/pipeline.h"

namespace crmsync::sync {

inline constexpr char kResyncQueue[] = "sync_resync";

// Where a portal's linked tasks are queued for resync.
class ResyncQueue {
 public:
  virtual ~ResyncQueue() = default;
  // Queues every active linked task of the portal that has no resync item pending or running;
  // returns how many were newly queued.
  virtual absl::StatusOr<int> QueueLinkedTasks(absl::string_view portal_id, absl::Time now) = 0;
};

class Resyncer {
 public:
  virtual ~Resyncer() = default;
  // Re-reads the task linked to `task_id` on `side` from both sides and submits each side's
  // version as a change; the outcomes, at most one per side (a side whose task is gone, or
  // whose data makes no valid change, has none; the latter is logged). NOT_FOUND when the
  // task is not linked, FAILED_PRECONDITION when a grant is missing or broken,
  // RESOURCE_EXHAUSTED when Zoho's rate limit stopped a read; nothing is submitted then.
  virtual absl::StatusOr<std::vector<ProcessedChange>> ResyncTask(absl::string_view portal_id,
                                                                  Side side,
                                                                  absl::string_view task_id,
                                                                  absl::Time deadline) = 0;
  // Queues the portal's linked tasks (ResyncQueue); NOT_FOUND when it is not configured.
  virtual absl::StatusOr<int> QueuePortal(absl::string_view portal_id, absl::Time now,
                                          absl::Time deadline) = 0;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_RESYNC_H_

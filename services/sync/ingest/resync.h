// Resyncer reading both sides through IngestSource and submitting through the change pipeline,
// and the worker of kResyncQueue. A task gone from a side is left to reconciliation, which
// reads who deleted it.
#ifndef CRMSYNC_SERVICES_SYNC_INGEST_RESYNC_H_
#define CRMSYNC_SERVICES_SYNC_INGEST_RESYNC_H_

#include <vector>

#include "absl/synchronization/notification.h"
#include "libs/common/clock.h"
#include "libs/work_queue/work_queue.h"
#include "services/sync/ingest/zoho_source.h"
#include "services/sync/metrics.h"
#include "services/sync/pipeline.h"
#include "services/sync/reads.h"
#include "services/sync/resync.h"
#include "services/sync/store/store.h"

namespace crmsync::sync {

class ZohoResyncer : public Resyncer {
 public:
  // All references must outlive the resyncer; each queued task is bounded by `item_bound`.
  ZohoResyncer(SyncStore& store, IngestSource& zoho, ChangePipeline& pipeline,
               PortalSettingsSource& portals, ResyncQueue& queue, SyncMetrics& metrics,
               const Clock& clock, absl::Duration item_bound)
      : store_(store),
        zoho_(zoho),
        pipeline_(pipeline),
        portals_(portals),
        queue_(queue),
        metrics_(metrics),
        clock_(clock),
        item_bound_(item_bound) {}

  absl::StatusOr<std::vector<ProcessedChange>> ResyncTask(absl::string_view portal_id, Side side,
                                                          absl::string_view task_id,
                                                          absl::Time deadline) override;
  absl::StatusOr<int> QueuePortal(absl::string_view portal_id, absl::Time now,
                                  absl::Time deadline) override;

  // kResyncQueue's handler: resyncs the one task of `unit`.
  work_queue::Outcome Process(const std::vector<work_queue::Claim>& unit,
                              const absl::Notification& stop);

 private:
  SyncStore& store_;
  IngestSource& zoho_;
  ChangePipeline& pipeline_;
  PortalSettingsSource& portals_;
  ResyncQueue& queue_;
  SyncMetrics& metrics_;
  const Clock& clock_;
  const absl::Duration item_bound_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_INGEST_RESYNC_H_

// The periodic reconciliation: what webhooks missed (a dropped CRM watch channel, a Projects
// webhook never configured, a receiver that was down) caught up per portal, one pass every
// interval. A pass of a portal reads, for its live links (ACTIVE or PENDING_CREATE):
//  - CRM: the tasks modified since the last pass (If-Modified-Since) and the tasks deleted since
//    then (/Tasks/deleted), and the notes of linked tasks through NotesPoll;
//  - Projects: every main task of each project with linked tasks (the list documents no sort,
//    so every page is read and filtered on last_updated_time_long), and each linked subtask by
//    id (the list holds main tasks only). A linked main task missing from its project's list is
//    read by id, and only Zoho's NOT_FOUND makes it deleted.
// Each linked task modified since then is submitted as the webhook inbox does (task_changes.h:
// every synced field at the side's modified time, event id "<task id>@<modified time>"), so a
// version a webhook brought already is DUPLICATE and the per-field rules decide the rest; a
// deletion is submitted as task_deleted (event id "<task id>@deleted") and marks the link
// DELETED_IN_CRM / DELETED_IN_PROJECTS.
//
// "Since the last pass" is a cursor per portal and side: the time the side's last successful
// pass began, less an overlap so that a Zoho clock behind ours loses nothing (what the overlap
// reads again comes back DUPLICATE). A side's cursor moves only when all of that side was read
// and submitted; a portal's first pass starts from its oldest live link's creation, as what Zoho
// changed before that concerns no link.
//
// Passes are items of the shared work queue (kReconcileQueue, one per portal, the next queued
// in the transaction that completes one, due an interval later) rather than a lease of our
// own: the queue's claims already give one replica at a time a portal, fenced, taken over when
// its replica dies, and its metrics show a portal whose passes keep failing (its item ages).
#ifndef CRMSYNC_SERVICES_SYNC_INGEST_RECONCILER_H_
#define CRMSYNC_SERVICES_SYNC_INGEST_RECONCILER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/common/clock.h"
#include "libs/work_queue/work_queue.h"
#include "services/sync/ingest/notes_poll.h"
#include "services/sync/ingest/zoho_source.h"
#include "services/sync/metrics.h"
#include "services/sync/pipeline.h"
#include "services/sync/store/reconcile_store.h"

namespace crmsync::sync {

struct ReconcileOptions {
  // Between the end of a portal's pass and the start of its next; also how often portals
  // without a queued pass are looked for.
  absl::Duration interval = absl::Seconds(60);
  // Read again before each cursor.
  absl::Duration overlap = absl::Seconds(1);
  // The longest one pass may take (the queue worker's item bound).
  absl::Duration pass_bound = absl::Minutes(5);
};

class Reconciler {
 public:
  // All references must outlive the reconciler; `notes` may be null (CRM notes are not polled).
  Reconciler(ReconcileStore& store, IngestSource& zoho, ChangePipeline& pipeline, NotesPoll* notes,
             SyncMetrics& metrics, const Clock& clock, ReconcileOptions options)
      : store_(store),
        zoho_(zoho),
        pipeline_(pipeline),
        notes_(notes),
        metrics_(metrics),
        clock_(clock),
        options_(options) {}

  // One pass of the portal (see the file comment), bounded by `deadline`. Both sides are tried;
  // OK when both succeeded, else the first side's error (FAILED_PRECONDITION without a usable
  // grant, Zoho's and the pipeline's errors as they come).
  absl::Status Pass(absl::string_view portal_id, absl::Time deadline);

  // kReconcileQueue's handler: a pass of the portal the item carries. A failed pass keeps the
  // item, due again an interval later.
  work_queue::Outcome Process(const std::vector<work_queue::Claim>& unit,
                              const absl::Notification& stop);

  // Until `stop`, every interval: queues a pass for each portal with live links and none queued
  // (a portal linked for the first time, or whose passes had stopped for lack of links).
  void QueuePasses(const absl::Notification& stop);

 private:
  // Runs `read` for `side` from `cursor`, then moves the cursor to when it began; counted.
  absl::Status ReconcileSide(absl::string_view portal_id, Side side, absl::Time cursor,
                             const std::function<absl::Status(absl::Time since)>& read,
                             absl::Time deadline);
  absl::Status Crm(absl::string_view portal_id, const std::vector<TaskLink>& links,
                   absl::Time since, absl::Time deadline);
  absl::Status Projects(absl::string_view portal_id, const std::vector<TaskLink>& links,
                        absl::Time since, absl::Time deadline);
  // The linked Projects task `link` as `listed` in its project's list (nullptr: not there, so
  // it is read by id): its change when modified since `since`, its deletion when gone.
  absl::Status LinkedProjectsTask(absl::string_view portal_id, const TaskLink& link,
                                  const zoho::ProjectsTask* listed, absl::Time since,
                                  absl::Time deadline);
  // Submits `change` (task_changes.h); a `kind` (change or deletion) APPLIED or REJECTED counts
  // as a repair.
  absl::Status Submit(const TaskChange& change, absl::string_view kind, absl::Time deadline);

  ReconcileStore& store_;
  IngestSource& zoho_;
  ChangePipeline& pipeline_;
  NotesPoll* const notes_;
  SyncMetrics& metrics_;
  const Clock& clock_;
  const ReconcileOptions options_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_INGEST_RECONCILER_H_

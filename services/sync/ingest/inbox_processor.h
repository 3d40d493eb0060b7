// Processing of the webhook inbox, as the work queue's handler for kInboxQueue: one stored
// request per item, read back from Zoho and handed to the change pipeline, so a webhook goes the
// same way as SubmitChange.
//  - CRM watch notification (Tasks, insert or update): the tasks it names are read from CRM in
//    batches of at most 100, each submitted as a change with every synced field as CRM has it
//    (priority and status as CRM's raw picklist values), made by the task's last modifier, with
//    event id "<task id>@<Modified_Time>#<digest of its synced values>" (task_changes.h).
//  - Projects task_create / task_update: the task is read from Projects and submitted the same
//    way (the status as its type, open or closed), made by its last updater, with event id
//    "<task id>@<last_updated_time_long>".
//  - Projects comment_add / comment_delete: a CommentChange (event id
//    "comment:<comment id>@add|delete") handed to the comment sink.
//  - CRM watch notification (Tasks, delete) and Projects task_delete: a change with task_deleted
//    for each task named (DeletionChange: event id "<task id>@deleted"), made by the system actor
//    (kSystemActorId: neither names who deleted it) at the notification's server_time / the
//    webhook's modified_time_long (else its receipt); the pipeline marks the link
//    LINK_STATE_DELETED_IN_* and queues no write.
// A repeated or redelivered webhook thus yields the same event ids, and DUPLICATE. A task gone
// when read back and other CRM modules are left to reconciliation; the item is done.
// A read or submission that fails for now (Zoho, auth or mapping unavailable, no usable grant
// yet, no comment sink wired) retries the item with backoff; its changes already submitted come
// back DUPLICATE. A change Zoho's data makes invalid is logged and skipped.
#ifndef CRMSYNC_SERVICES_SYNC_INGEST_INBOX_PROCESSOR_H_
#define CRMSYNC_SERVICES_SYNC_INGEST_INBOX_PROCESSOR_H_

#include <functional>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "libs/common/clock.h"
#include "libs/work_queue/work_queue.h"
#include "services/sync/change/task.h"
#include "services/sync/ingest/zoho_source.h"
#include "services/sync/metrics.h"
#include "services/sync/pipeline.h"
#include "services/sync/store/inbox_store.h"

namespace crmsync::sync {

// The user id of the actor of a change no person is named for (a webhook's deletion): no user
// of either side, so a failure it causes is recorded and not emailed.
inline constexpr char kSystemActorId[] = "crmsync";

// Where comments from webhooks go (SubmitComment's pipeline). OK once the comment is processed
// (a duplicate included); any other status retries the item later. Bounded by `deadline`.
using CommentSink = std::function<absl::Status(const CommentChange& comment, absl::Time deadline)>;

// Validates `comment` (an invalid one is logged and skipped: nullopt), submits it and counts it
// in crmsync_sync_comments_total. Errors as ChangePipeline::SubmitComment.
absl::StatusOr<std::optional<ProcessedChange>> SubmitValidComment(ChangePipeline& pipeline,
                                                                  SyncMetrics& metrics,
                                                                  const CommentChange& comment,
                                                                  absl::Time deadline);

// The sink of SubmitComment's pipeline: SubmitValidComment. References must outlive it.
CommentSink PipelineCommentSink(ChangePipeline& pipeline, SyncMetrics& metrics);

class InboxProcessor {
 public:
  // All references must outlive the processor. An empty `comments` leaves comment webhooks
  // queued, retried with backoff until a sink is wired or their attempts are spent. Each item
  // is bounded by `item_bound` (the worker's).
  InboxProcessor(InboxStore& inbox, IngestSource& zoho, ChangePipeline& pipeline,
                 SyncMetrics& metrics, CommentSink comments, const Clock& clock,
                 absl::Duration item_bound)
      : inbox_(inbox),
        zoho_(zoho),
        pipeline_(pipeline),
        metrics_(metrics),
        comments_(std::move(comments)),
        clock_(clock),
        item_bound_(item_bound) {}

  // The queue's handler: processes the request of the one item in `unit`.
  work_queue::Outcome Process(const std::vector<work_queue::Claim>& unit,
                              const absl::Notification& stop);

 private:
  absl::Status Crm(const InboxRequest& request, absl::Time deadline);
  absl::Status Projects(const InboxRequest& request, absl::Time deadline);
  // Validates, submits and counts `change`; an invalid one is logged and skipped.
  absl::Status Submit(const TaskChange& change, absl::Time deadline);

  InboxStore& inbox_;
  IngestSource& zoho_;
  ChangePipeline& pipeline_;
  SyncMetrics& metrics_;
  const CommentSink comments_;
  const Clock& clock_;
  const absl::Duration item_bound_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_INGEST_INBOX_PROCESSOR_H_

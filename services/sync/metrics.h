// Every metric family of the sync service. No task, user or portal ids as labels.
#ifndef CRMSYNC_SERVICES_SYNC_METRICS_H_
#define CRMSYNC_SERVICES_SYNC_METRICS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/sync/backlog.h"
#include "services/sync/change/merge.h"
#include "services/sync/change/task.h"

namespace crmsync::sync {

struct SyncMetrics {
  explicit SyncMetrics(prometheus::Registry& registry);

  // Counts a processed change from `origin` (SubmitChange and each change of a batch): its
  // outcome (duplicate for a repeat), its rejection reason, and what happened to each field.
  void Processed(Side origin, const ChangeDecision& decision, bool duplicate);
  // Counts a processed comment from `origin`: its outcome (duplicate for a repeat).
  void CommentProcessed(Side origin, Outcome result, bool duplicate);
  // One SubmitChange call that returned an outcome took `latency`.
  void SubmitLatency(absl::Duration latency);
  // A rule's read of the live Projects state (`read`: schedule or parent_task) ended with
  // `status`.
  void RuleRead(absl::string_view read, const absl::Status& status);
  // One outbox write to `target` of `kind` (create_task, update_task, add_comment,
  // delete_comment) ended its attempt with `result`: done, retry, waiting, refused, grant_broken
  // or dropped (the task is gone).
  void Delivered(Side target, absl::string_view kind, absl::string_view result);
  // One HTTP call of sync to the Zoho API of `side` (a delivery's write, the inbox's or a rule's
  // read) ended with `result`: ok, 401, 429, 4xx, 5xx or error (no answer).
  void ZohoCall(Side side, absl::string_view result);
  // A write reached the other side `latency` after its change was accepted.
  void Propagated(absl::Duration latency);
  // A request to the webhook receiver of `side` was answered with HTTP `status`.
  void WebhookRequest(Side side, int status);
  // One reconciliation pass of a portal's `side` ended, `ok` or failed.
  void ReconcilePass(Side side, bool ok);
  // Reconciliation submitted from `side` a `kind` (change, deletion or comment) that the webhooks
  // had not brought and that differed from the canonical state: APPLIED or REJECTED.
  void ReconcileRepair(Side side, absl::string_view kind);
  // Sets the backlog gauges to `backlog` as read at `now`: zero for a side it does not name.
  void SetBacklog(const SyncBacklog& backlog, absl::Time now);

  // crmsync_sync_changes_total{origin,outcome}: origin crm|projects; outcome applied, duplicate,
  // echo, stale or rejected.
  prometheus::Family<prometheus::Counter>& changes;
  // crmsync_sync_comments_total{origin,outcome}: comments added or deleted (SubmitComment), by
  // origin side and outcome as for changes.
  prometheus::Family<prometheus::Counter>& comments;
  // crmsync_sync_rule_rejections_total{reason}: the reason in lower case.
  prometheus::Family<prometheus::Counter>& rejections;
  // crmsync_sync_field_outcomes_total{field,result}.
  prometheus::Family<prometheus::Counter>& field_outcomes;
  // crmsync_sync_submit_change_seconds, with buckets at 5, 10, 20 and 50 ms.
  prometheus::Histogram& submit_change_seconds;
  // crmsync_sync_rule_reads_total{read,result}: result ok, unavailable (Zoho or auth did not
  // answer), no_grant (FAILED_PRECONDITION) or other.
  prometheus::Family<prometheus::Counter>& rule_reads;
  // crmsync_sync_deliveries_total{target,kind,result}.
  prometheus::Family<prometheus::Counter>& deliveries;
  // crmsync_sync_zoho_calls_total{side,result}.
  prometheus::Family<prometheus::Counter>& zoho_calls;
  // crmsync_sync_propagation_seconds, with buckets at 0.1, 0.25, 0.5, 1, 5 and 30 s.
  prometheus::Histogram& propagation_seconds;
  // crmsync_sync_webhook_requests_total{side,status}: side crm|projects, status the HTTP status
  // answered (200, 400, 401, 404, 413, ...).
  prometheus::Family<prometheus::Counter>& webhook_requests;
  // crmsync_sync_watch_channel_renewals_total{result}: renewed, registered (anew: CRM had
  // dropped it or it was new), failed.
  prometheus::Family<prometheus::Counter>& watch_channel_renewals;
  // crmsync_sync_reconcile_passes_total{side,result}: result ok|failed.
  prometheus::Family<prometheus::Counter>& reconcile_passes;
  // crmsync_sync_reconcile_repairs_total{side,kind}: kind change|deletion|comment.
  prometheus::Family<prometheus::Counter>& reconcile_repairs;
  // crmsync_sync_outbox_depth{target}: outbox writes not done yet (pending or running).
  prometheus::Family<prometheus::Gauge>& outbox_depth;
  // crmsync_sync_outbox_oldest_age_seconds{target}: how long the oldest of them has waited.
  prometheus::Family<prometheus::Gauge>& outbox_oldest_age_seconds;
  // crmsync_sync_inbox_backlog{side}: stored webhooks not processed yet.
  prometheus::Family<prometheus::Gauge>& inbox_backlog;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_METRICS_H_

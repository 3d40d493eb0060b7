#include "services/sync/metrics.h"

#include <algorithm>
#include <string>

namespace crmsync::sync {
namespace {

const char* OutcomeLabel(Outcome outcome) {
  switch (outcome) {
    case Outcome::kApplied:
      return "applied";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kEcho:
      return "echo";
    case Outcome::kStale:
      return "stale";
    case Outcome::kRejected:
      return "rejected";
    case Outcome::kUnspecified:
      break;
  }
  return "unspecified";
}

// 0.5 ms to 1 s, with the buckets the submit latency is judged by (5, 10, 20, 50 ms).
const prometheus::Histogram::BucketBoundaries kSubmitBuckets = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1};

// The buckets propagation is judged by.
const prometheus::Histogram::BucketBoundaries kPropagationBuckets = {0.1, 0.25, 0.5, 1, 5, 30};

}  // namespace

SyncMetrics::SyncMetrics(prometheus::Registry& registry)
    : changes(prometheus::BuildCounter()
                  .Name("crmsync_sync_changes_total")
                  .Help("Task changes processed, by origin side and outcome.")
                  .Register(registry)),
      comments(prometheus::BuildCounter()
                   .Name("crmsync_sync_comments_total")
                   .Help("Comments added or deleted, processed by origin side and outcome.")
                   .Register(registry)),
      rejections(prometheus::BuildCounter()
                     .Name("crmsync_sync_rule_rejections_total")
                     .Help("Task changes rejected, by reason.")
                     .Register(registry)),
      field_outcomes(prometheus::BuildCounter()
                         .Name("crmsync_sync_field_outcomes_total")
                         .Help("Fields of processed task changes, by field and result.")
                         .Register(registry)),
      submit_change_seconds(prometheus::BuildHistogram()
                                .Name("crmsync_sync_submit_change_seconds")
                                .Help("Time to process one SubmitChange call.")
                                .Register(registry)
                                .Add({}, kSubmitBuckets)),
      rule_reads(
          prometheus::BuildCounter()
              .Name("crmsync_sync_rule_reads_total")
              .Help("Reads of the live Zoho Projects state by the rules, by read and result.")
              .Register(registry)),
      deliveries(prometheus::BuildCounter()
                     .Name("crmsync_sync_deliveries_total")
                     .Help("Outbox writes delivered to Zoho, by target side, kind and result.")
                     .Register(registry)),
      zoho_calls(prometheus::BuildCounter()
                     .Name("crmsync_sync_zoho_calls_total")
                     .Help("HTTP calls to the Zoho APIs (writes and reads), by side and result.")
                     .Register(registry)),
      propagation_seconds(prometheus::BuildHistogram()
                              .Name("crmsync_sync_propagation_seconds")
                              .Help("From a change accepted to its write on the other side.")
                              .Register(registry)
                              .Add({}, kPropagationBuckets)),
      webhook_requests(prometheus::BuildCounter()
                           .Name("crmsync_sync_webhook_requests_total")
                           .Help("Requests to the webhook receivers, by side and HTTP status.")
                           .Register(registry)),
      watch_channel_renewals(prometheus::BuildCounter()
                                 .Name("crmsync_sync_watch_channel_renewals_total")
                                 .Help("CRM watch channel renewals, by result.")
                                 .Register(registry)),
      reconcile_passes(prometheus::BuildCounter()
                           .Name("crmsync_sync_reconcile_passes_total")
                           .Help("Reconciliation passes of a portal's side, by side and result.")
                           .Register(registry)),
      reconcile_repairs(prometheus::BuildCounter()
                            .Name("crmsync_sync_reconcile_repairs_total")
                            .Help("Changes, deletions and comments reconciliation submitted that "
                                  "webhooks had missed (applied or rejected), by side and kind.")
                            .Register(registry)),
      outbox_depth(prometheus::BuildGauge()
                       .Name("crmsync_sync_outbox_depth")
                       .Help("Outbox writes not done yet (pending or running), by target side.")
                       .Register(registry)),
      outbox_oldest_age_seconds(
          prometheus::BuildGauge()
              .Name("crmsync_sync_outbox_oldest_age_seconds")
              .Help("Age of the oldest outbox write not done yet, by target side; 0 when none.")
              .Register(registry)),
      inbox_backlog(prometheus::BuildGauge()
                        .Name("crmsync_sync_inbox_backlog")
                        .Help("Stored webhooks not processed yet, by the side that sent them.")
                        .Register(registry)) {
  for (const char* result : {"renewed", "registered", "failed"}) {
    watch_channel_renewals.Add({{"result", result}});
  }
  // Every series at 0 from the start: a rate over the first pass or repair sees it, and an alert
  // or panel on them has data before reconciliation first runs.
  for (Side side : {Side::kCrm, Side::kProjects}) {
    const std::string key(SideKey(side));
    for (const char* result : {"ok", "failed"}) {
      reconcile_passes.Add({{"side", key}, {"result", result}});
    }
    for (const char* kind : {"change", "deletion", "comment"}) {
      reconcile_repairs.Add({{"side", key}, {"kind", kind}});
    }
  }
  SetBacklog({}, absl::Now());
}

void SyncMetrics::SetBacklog(const SyncBacklog& backlog, absl::Time now) {
  for (Side side : {Side::kCrm, Side::kProjects}) {
    const std::string key(SideKey(side));
    SyncBacklog::Writes writes;
    if (auto it = backlog.outbox.find(side); it != backlog.outbox.end()) writes = it->second;
    outbox_depth.Add({{"target", key}}).Set(static_cast<double>(writes.depth));
    outbox_oldest_age_seconds.Add({{"target", key}})
        .Set(writes.depth == 0 ? 0
                               : absl::ToDoubleSeconds(
                                     std::max(absl::ZeroDuration(), now - writes.oldest_queued)));
    const auto inbox = backlog.inbox.find(side);
    inbox_backlog.Add({{"side", key}})
        .Set(inbox == backlog.inbox.end() ? 0 : static_cast<double>(inbox->second));
  }
}

void SyncMetrics::ReconcilePass(Side side, bool ok) {
  reconcile_passes.Add({{"side", std::string(SideKey(side))}, {"result", ok ? "ok" : "failed"}})
      .Increment();
}

void SyncMetrics::ReconcileRepair(Side side, absl::string_view kind) {
  reconcile_repairs.Add({{"side", std::string(SideKey(side))}, {"kind", std::string(kind)}})
      .Increment();
}

void SyncMetrics::Delivered(Side target, absl::string_view kind, absl::string_view result) {
  deliveries
      .Add({{"target", std::string(SideKey(target))},
            {"kind", std::string(kind)},
            {"result", std::string(result)}})
      .Increment();
}

void SyncMetrics::ZohoCall(Side side, absl::string_view result) {
  zoho_calls.Add({{"side", std::string(SideKey(side))}, {"result", std::string(result)}})
      .Increment();
}

void SyncMetrics::Propagated(absl::Duration latency) {
  propagation_seconds.Observe(absl::ToDoubleSeconds(latency));
}

void SyncMetrics::Processed(Side origin, const ChangeDecision& decision, bool duplicate) {
  changes
      .Add({{"origin", std::string(SideKey(origin))},
            {"outcome", OutcomeLabel(duplicate ? Outcome::kDuplicate : decision.result)}})
      .Increment();
  if (duplicate) return;
  if (decision.result == Outcome::kRejected) {
    rejections.Add({{"reason", std::string(ReasonName(decision.reason))}}).Increment();
  }
  for (const FieldDecision& field : decision.fields) {
    field_outcomes
        .Add({{"field", std::string(FieldName(field.field))},
              {"result", OutcomeLabel(field.result)}})
        .Increment();
  }
}

void SyncMetrics::CommentProcessed(Side origin, Outcome result, bool duplicate) {
  comments
      .Add({{"origin", std::string(SideKey(origin))},
            {"outcome", OutcomeLabel(duplicate ? Outcome::kDuplicate : result)}})
      .Increment();
}

void SyncMetrics::RuleRead(absl::string_view read, const absl::Status& status) {
  const char* result = status.ok()                          ? "ok"
                       : absl::IsUnavailable(status)        ? "unavailable"
                       : absl::IsFailedPrecondition(status) ? "no_grant"
                                                            : "other";
  rule_reads.Add({{"read", std::string(read)}, {"result", result}}).Increment();
}

void SyncMetrics::WebhookRequest(Side side, int status) {
  webhook_requests.Add({{"side", std::string(SideKey(side))}, {"status", std::to_string(status)}})
      .Increment();
}

void SyncMetrics::SubmitLatency(absl::Duration latency) {
  submit_change_seconds.Observe(absl::ToDoubleSeconds(latency));
}

}  // namespace crmsync::sync

#include "services/notify/metrics.h"

#include <string>

#include "libs/metrics/metrics_endpoint.h"

namespace crmsync::notify {
namespace {

absl::string_view ResultName(AttemptResult result) {
  switch (result) {
    case AttemptResult::kSent:
      return "sent";
    case AttemptResult::kRetry:
      return "retry";
    case AttemptResult::kDead:
      return "dead";
  }
  return "unknown";
}

}  // namespace

NotifyMetrics::NotifyMetrics(prometheus::Registry& registry)
    : created(prometheus::BuildCounter()
                  .Name("crmsync_notify_notifications_created_total")
                  .Help("Notifications stored, by kind (repeats of a failure id not counted).")
                  .Register(registry)),
      by_state(prometheus::BuildGauge()
                   .Name("crmsync_notify_notifications")
                   .Help("Stored notifications by kind and delivery state.")
                   .Register(registry)),
      attempts(prometheus::BuildCounter()
                   .Name("crmsync_notify_send_attempts_total")
                   .Help("SMTP send attempts by result: sent, retry (transient), dead (given up).")
                   .Register(registry)),
      queue_depth(prometheus::BuildGauge()
                      .Name("crmsync_notify_queue_depth")
                      .Help("Notifications waiting to be sent (PENDING or SENDING).")
                      .Register(registry)
                      .Add({})),
      queue_oldest_age_seconds(prometheus::BuildGauge()
                                   .Name("crmsync_notify_queue_oldest_age_seconds")
                                   .Help("Age of the oldest notification waiting to be sent.")
                                   .Register(registry)
                                   .Add({})),
      send_seconds(prometheus::BuildHistogram()
                       .Name("crmsync_notify_send_seconds")
                       .Help("Duration of one send attempt, building the email included.")
                       .Register(registry)
                       .Add({}, metrics::LatencyBucketsSeconds())) {
  for (Kind kind : kAllKinds) {
    created.Add({{"kind", std::string(KindName(kind))}});
    for (State state : {State::kPending, State::kSending, State::kSent, State::kDead}) {
      by_state.Add(
          {{"kind", std::string(KindName(kind))}, {"state", std::string(StateName(state))}});
    }
  }
  for (auto result : {AttemptResult::kSent, AttemptResult::kRetry, AttemptResult::kDead}) {
    attempts.Add({{"result", std::string(ResultName(result))}});
  }
}

void NotifyMetrics::Created(Kind kind) {
  created.Add({{"kind", std::string(KindName(kind))}}).Increment();
}

void NotifyMetrics::Attempt(AttemptResult result, absl::Duration latency) {
  attempts.Add({{"result", std::string(ResultName(result))}}).Increment();
  send_seconds.Observe(absl::ToDoubleSeconds(latency));
}

void NotifyMetrics::SetQueue(const QueueStats& stats) {
  for (Kind kind : kAllKinds) {
    for (State state : {State::kPending, State::kSending, State::kSent, State::kDead}) {
      int64_t count = 0;
      for (const auto& c : stats.counts) {
        if (c.kind == kind && c.state == state) count = c.count;
      }
      by_state
          .Add({{"kind", std::string(KindName(kind))}, {"state", std::string(StateName(state))}})
          .Set(static_cast<double>(count));
    }
  }
  queue_depth.Set(static_cast<double>(stats.depth));
  queue_oldest_age_seconds.Set(absl::ToDoubleSeconds(stats.oldest_age));
}

}  // namespace crmsync::notify

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
      attempts(prometheus::BuildCounter()
                   .Name("crmsync_notify_send_attempts_total")
                   .Help("SMTP send attempts by result: sent, retry (transient), dead (given up).")
                   .Register(registry)),
      send_seconds(prometheus::BuildHistogram()
                       .Name("crmsync_notify_send_seconds")
                       .Help("Duration of one send attempt, building the email included.")
                       .Register(registry)
                       .Add({}, metrics::LatencyBucketsSeconds())) {
  for (Kind kind : kAllKinds) {
    created.Add({{"kind", std::string(KindName(kind))}});
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

}  // namespace crmsync::notify

// Every metric family of the notify service. The email queue's depth and age are the work
// queue's metrics (libs/work_queue), queue "notify_email".
#ifndef CRMSYNC_SERVICES_NOTIFY_METRICS_H_
#define CRMSYNC_SERVICES_NOTIFY_METRICS_H_

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/notify/notification.h"

namespace crmsync::notify {

// The result label of a send attempt.
enum class AttemptResult { kSent, kRetry, kDead };

struct NotifyMetrics {
  explicit NotifyMetrics(prometheus::Registry& registry);

  void Created(Kind kind);
  void Attempt(AttemptResult result, absl::Duration latency);

  prometheus::Family<prometheus::Counter>&
      created;  // crmsync_notify_notifications_created_total{kind}
  prometheus::Family<prometheus::Counter>& attempts;  // crmsync_notify_send_attempts_total{result}
  prometheus::Histogram& send_seconds;                // crmsync_notify_send_seconds
};

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_METRICS_H_

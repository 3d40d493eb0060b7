// Every metric family of the notify service.
#ifndef CRMSYNC_SERVICES_NOTIFY_METRICS_H_
#define CRMSYNC_SERVICES_NOTIFY_METRICS_H_

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/notify/notification.h"
#include "services/notify/store.h"

namespace crmsync::notify {

// The result label of a send attempt.
enum class AttemptResult { kSent, kRetry, kDead };

struct NotifyMetrics {
  explicit NotifyMetrics(prometheus::Registry& registry);

  void Created(Kind kind);
  void Attempt(AttemptResult result, absl::Duration latency);
  // Publishes the queue's state as read from the store.
  void SetQueue(const QueueStats& stats);

  prometheus::Family<prometheus::Counter>&
      created;  // crmsync_notify_notifications_created_total{kind}
  prometheus::Family<prometheus::Gauge>& by_state;    // crmsync_notify_notifications{kind,state}
  prometheus::Family<prometheus::Counter>& attempts;  // crmsync_notify_send_attempts_total{result}
  prometheus::Gauge& queue_depth;                     // crmsync_notify_queue_depth
  prometheus::Gauge& queue_oldest_age_seconds;        // crmsync_notify_queue_oldest_age_seconds
  prometheus::Histogram& send_seconds;                // crmsync_notify_send_seconds
};

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_METRICS_H_

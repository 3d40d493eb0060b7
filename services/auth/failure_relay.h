// Relays broken-grant failures to their owners through notify, as the work queue's handler for
// kFailureQueue: notify accepting a failure (a duplicate included) completes it; UNAVAILABLE and
// other transient errors are retried with backoff; a refusal (INVALID_ARGUMENT and the like:
// notify will never take this request) is final, DEAD with notify's reason. A failure keeps the
// id it was queued with, so notify drops repeats (a replica that delivered but crashed before
// recording it).
#ifndef CRMSYNC_SERVICES_AUTH_FAILURE_RELAY_H_
#define CRMSYNC_SERVICES_AUTH_FAILURE_RELAY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "libs/work_queue/work_queue.h"
#include "services/auth/auth_metrics.h"
#include "services/auth/store.h"

namespace crmsync::auth {

// Where failures go: notify's NotifyFailure (kind OAUTH_GRANT_BROKEN) in production.
class FailureNotifier {
 public:
  virtual ~FailureNotifier() = default;
  // OK once notify accepted the failure (a duplicate counts as accepted). Gives up with
  // CANCELLED soon after `stop` is notified.
  virtual absl::Status Notify(const QueuedFailure& failure, const absl::Notification& stop) = 0;
};

// True for statuses that say notify will never accept the request as it is.
bool IsRefusal(const absl::Status& status);

class FailureRelay {
 public:
  // All references must outlive the relay.
  FailureRelay(AuthStore& store, FailureNotifier& notifier, AuthMetrics& metrics)
      : store_(store), notifier_(notifier), metrics_(metrics) {}

  // The queue's handler: delivers the failure of the one item in `unit`.
  work_queue::Outcome Deliver(const std::vector<work_queue::Claim>& unit,
                              const absl::Notification& stop);

 private:
  AuthStore& store_;
  FailureNotifier& notifier_;
  AuthMetrics& metrics_;
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_FAILURE_RELAY_H_

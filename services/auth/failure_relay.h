// Delivers queued broken-grant failures to their owners through notify, retrying with backoff
// until notify accepts each one. A failure keeps the id it was queued with, so notify drops
// repeats (a replica that delivered but crashed before recording it, or two replicas at once).
#ifndef CRMSYNC_SERVICES_AUTH_FAILURE_RELAY_H_
#define CRMSYNC_SERVICES_AUTH_FAILURE_RELAY_H_

#include <mutex>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "libs/common/backoff.h"
#include "libs/common/clock.h"
#include "services/auth/auth_metrics.h"
#include "services/auth/store.h"

namespace crmsync::auth {

// Where failures go: notify's NotifyFailure (kind OAUTH_GRANT_BROKEN) in production.
class FailureNotifier {
 public:
  virtual ~FailureNotifier() = default;
  // OK once notify accepted the failure (a duplicate counts as accepted).
  virtual absl::Status Notify(const QueuedFailure& failure) = 0;
};

class FailureRelay {
 public:
  // All references must outlive the relay.
  FailureRelay(AuthStore& store, FailureNotifier& notifier, const Clock& clock,
               AuthMetrics& metrics,
               BackoffPolicy backoff = {absl::Seconds(1), absl::Minutes(10), 2.0})
      : store_(store), notifier_(notifier), clock_(clock), metrics_(metrics), backoff_(backoff) {}

  // Tries every failure that is due once; returns how many notify accepted.
  absl::StatusOr<int> DeliverDue();

 private:
  AuthStore& store_;
  FailureNotifier& notifier_;
  const Clock& clock_;
  AuthMetrics& metrics_;
  const BackoffPolicy backoff_;
  std::mutex random_mutex_;
  absl::BitGen random_;
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_FAILURE_RELAY_H_

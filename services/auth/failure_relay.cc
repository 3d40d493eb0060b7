#include "services/auth/failure_relay.h"

#include "libs/common/log.h"
#include "libs/common/status_macros.h"

namespace crmsync::auth {

absl::StatusOr<int> FailureRelay::DeliverDue() {
  ASSIGN_OR_RETURN(std::vector<QueuedFailure> failures, store_.DueFailures(clock_.Now(), 100));
  int delivered = 0;
  for (const QueuedFailure& failure : failures) {
    absl::Status status = notifier_.Notify(failure);
    nlohmann::json fields = {{"failure_id", failure.failure_id},
                             {"portal_id", failure.key.portal_id},
                             {"side", std::string(SideName(failure.key.side))},
                             {"attempt", failure.attempts + 1}};
    if (status.ok()) {
      RETURN_IF_ERROR(store_.MarkFailureDelivered(failure.failure_id, clock_.Now()));
      metrics_.failures_delivered.Increment();
      LogInfo("grant failure delivered", fields);
      ++delivered;
      continue;
    }
    metrics_.failure_delivery_errors.Increment();
    absl::Duration delay;
    {
      std::lock_guard lock(random_mutex_);
      // Full jitter may pick zero; a floor keeps a refusing notify from being hammered.
      delay =
          std::max(absl::Milliseconds(500), BackoffDelay(backoff_, failure.attempts + 1, random_));
    }
    RETURN_IF_ERROR(
        store_.RetryFailureAt(failure.failure_id, clock_.Now() + delay, status.ToString()));
    fields["error"] = status.ToString();
    LogWarning("grant failure delivery failed", fields);
  }
  return delivered;
}

}  // namespace crmsync::auth

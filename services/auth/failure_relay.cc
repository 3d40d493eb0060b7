#include "services/auth/failure_relay.h"

#include "absl/strings/str_cat.h"
#include "libs/common/log.h"

namespace crmsync::auth {

bool IsRefusal(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnimplemented:
      return true;
    default:
      return false;
  }
}

work_queue::Outcome FailureRelay::Deliver(const std::vector<work_queue::Claim>& unit,
                                          const absl::Notification& stop) {
  const work_queue::Claim& claim = unit.front();
  auto failure = store_.GetFailure(claim.payload);
  if (absl::IsNotFound(failure.status())) {
    return work_queue::Outcome::Refused(failure.status().ToString());
  }
  if (!failure.ok()) return work_queue::Outcome::Retry(failure.status().ToString());
  nlohmann::json fields = {{"failure_id", failure->failure_id},
                           {"portal_id", failure->key.portal_id},
                           {"side", std::string(SideName(failure->key.side))},
                           {"attempt", claim.attempt}};
  const absl::Status status = notifier_.Notify(*failure, stop);
  if (status.ok()) {
    metrics_.failures_delivered.Increment();
    LogInfo("grant failure delivered", fields);
    return work_queue::Outcome::Done();
  }
  if (stop.HasBeenNotified() && absl::IsCancelled(status)) {
    return work_queue::Outcome::Interrupted();
  }
  metrics_.failure_delivery_errors.Increment();
  fields["error"] = status.ToString();
  if (IsRefusal(status)) {
    LogWarning("notify refused a grant failure; it will not be retried", fields);
    return work_queue::Outcome::Refused(status.ToString());
  }
  LogWarning("grant failure delivery failed", fields);
  return work_queue::Outcome::Retry(status.ToString());
}

}  // namespace crmsync::auth

// Relays recorded failures to the person who made the change, as the work queue's handler for
// kFailureRelayQueue: the recipient is the change's actor, their email looked up through the user
// links when the change did not carry it. notify accepting the failure (a duplicate included:
// the failure id is its idempotency key) completes the item; transient errors are retried with
// backoff; a refusal, or an actor with no known email, is final (DEAD) and counted.
#ifndef CRMSYNC_SERVICES_SYNC_FAILURE_RELAY_H_
#define CRMSYNC_SERVICES_SYNC_FAILURE_RELAY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "libs/work_queue/work_queue.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"
#include "services/sync/reads.h"
#include "services/sync/store/store.h"

namespace crmsync::sync {

// Who a failure's email goes to.
struct Recipient {
  std::string email;
  std::string display_name;
};

// Where failures go: notify's NotifyFailure in production (notify_notifier.h).
class FailureNotifier {
 public:
  virtual ~FailureNotifier() = default;
  // OK once notify accepted the failure (a duplicate counts as accepted). Gives up with
  // CANCELLED soon after `stop` is notified.
  virtual absl::Status Notify(const FailureRecord& failure, const Recipient& recipient,
                              const absl::Notification& stop) = 0;
};

class FailureRelay {
 public:
  // All references must outlive the relay; `registry` gets
  // crmsync_sync_failure_relay_total{result}: delivered, no_email, refused or retried.
  FailureRelay(SyncStore& store, UserDirectory& users, FailureNotifier& notifier,
               prometheus::Registry& registry);

  // The queue's handler: delivers the failure of the one item in `unit`.
  work_queue::Outcome Deliver(const std::vector<work_queue::Claim>& unit,
                              const absl::Notification& stop);

 private:
  // The actor's email: carried by the change, else through the user links; "" when unknown.
  absl::StatusOr<Recipient> RecipientOf(const FailureRecord& failure);
  void Count(const char* result);

  SyncStore& store_;
  UserDirectory& users_;
  FailureNotifier& notifier_;
  prometheus::Family<prometheus::Counter>& relayed_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_FAILURE_RELAY_H_

// FailureNotifier over gRPC: notify's NotifyFailure, the kind chosen by the failure's reason as
// notify.proto's table says, the failure id as the idempotency key.
#ifndef CRMSYNC_SERVICES_SYNC_NOTIFY_NOTIFIER_H_
#define CRMSYNC_SERVICES_SYNC_NOTIFY_NOTIFIER_H_

#include <string>

#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "libs/notify_client/notify_client.h"
#include "services/sync/failure_relay.h"

namespace crmsync::sync {

// The request NotifyFailure gets for `failure`: DUE_DATE_BEYOND_STRICT_SCHEDULE and
// SUBTASK_PARENT_CLOSED as their own kinds, every other reason CHANGE_REFUSED_BY_OTHER_SIDE; the
// failure's message as the reason; texts cut to what notify takes.
notify::v1::NotifyFailureRequest NotifyRequestFor(const FailureRecord& failure,
                                                  const Recipient& recipient);

class NotifyNotifier : public FailureNotifier {
 public:
  // Calls notify over `notify`, a channel that carries sync's caller token. Each call is bounded
  // by `timeout`.
  NotifyNotifier(std::shared_ptr<grpc::Channel> notify, absl::Duration timeout);
  absl::Status Notify(const FailureRecord& failure, const Recipient& recipient,
                      const absl::Notification& stop) override;

 private:
  NotifyClient client_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_NOTIFY_NOTIFIER_H_

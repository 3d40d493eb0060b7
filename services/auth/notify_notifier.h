// FailureNotifier over gRPC: notify's NotifyFailure with kind OAUTH_GRANT_BROKEN.
#ifndef CRMSYNC_SERVICES_AUTH_NOTIFY_NOTIFIER_H_
#define CRMSYNC_SERVICES_AUTH_NOTIFY_NOTIFIER_H_

#include <string>

#include "libs/notify_client/notify_client.h"
#include "services/auth/failure_relay.h"

namespace crmsync::auth {

class NotifyNotifier : public FailureNotifier {
 public:
  // Calls notify over `notify`, a channel that carries auth's caller token. Each call is bounded
  // by `timeout`.
  explicit NotifyNotifier(std::shared_ptr<grpc::Channel> notify,
                          absl::Duration timeout = absl::Seconds(10));
  absl::Status Notify(const QueuedFailure& failure, const absl::Notification& stop) override;

 private:
  NotifyClient client_;
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_NOTIFY_NOTIFIER_H_

// The crmsync.notify.v1.NotifyService gRPC adapter: validates requests (INVALID_ARGUMENT naming
// the field), renders the subject, stores through NotifyStore, and maps results back to protos.
#ifndef CRMSYNC_SERVICES_NOTIFY_NOTIFY_SERVER_H_
#define CRMSYNC_SERVICES_NOTIFY_NOTIFY_SERVER_H_

#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "libs/common/clock.h"
#include "services/notify/email.h"
#include "services/notify/metrics.h"
#include "services/notify/store.h"

namespace crmsync::notify {

// The domain request of a NotifyFailure call; INVALID_ARGUMENT names the offending field.
absl::StatusOr<NewNotification> FromProto(const v1::NotifyFailureRequest& request);
v1::Notification ToProto(const Notification& notification);

class NotifyServer final : public v1::NotifyService::Service {
 public:
  // Everything must outlive the server. A new notification is first due `first_send_delay` after
  // it is stored (the digest window, in which later failures for the same recipient may join
  // it). While `ready` is false (schema not migrated yet, database not answering) every call is
  // UNAVAILABLE, so that no call runs a query against a schema that does not exist yet.
  NotifyServer(
      NotifyStore& store, const Templates& templates, const Clock& clock, NotifyMetrics& metrics,
      absl::Duration first_send_delay = absl::ZeroDuration(),
      std::function<bool()> ready = [] { return true; })
      : store_(store),
        templates_(templates),
        clock_(clock),
        metrics_(metrics),
        first_send_delay_(first_send_delay),
        ready_(std::move(ready)) {}

  grpc::Status NotifyFailure(grpc::ServerContext* context, const v1::NotifyFailureRequest* request,
                             v1::NotifyFailureResponse* response) override;
  grpc::Status GetNotification(grpc::ServerContext* context,
                               const v1::GetNotificationRequest* request,
                               v1::GetNotificationResponse* response) override;
  grpc::Status ListNotifications(grpc::ServerContext* context,
                                 const v1::ListNotificationsRequest* request,
                                 v1::ListNotificationsResponse* response) override;

 private:
  NotifyStore& store_;
  const Templates& templates_;
  const Clock& clock_;
  NotifyMetrics& metrics_;
  const absl::Duration first_send_delay_;
  std::function<bool()> ready_;
};

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_NOTIFY_SERVER_H_

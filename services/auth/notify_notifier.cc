#include "services/auth/notify_notifier.h"

#include "libs/grpc_server/proto_convert.h"

namespace crmsync::auth {

NotifyNotifier::NotifyNotifier(std::shared_ptr<grpc::Channel> notify, absl::Duration timeout)
    : client_(std::move(notify), timeout) {}

absl::Status NotifyNotifier::Notify(const QueuedFailure& failure, const absl::Notification& stop) {
  notify::v1::NotifyFailureRequest request;
  request.set_failure_id(failure.failure_id);
  request.set_portal_id(failure.key.portal_id);
  request.mutable_recipient()->set_email(failure.owner_email);
  request.set_kind(notify::v1::NOTIFICATION_KIND_OAUTH_GRANT_BROKEN);
  auto* parameters = request.mutable_parameters();
  parameters->set_side(failure.key.side == Side::kCrm ? common::v1::SIDE_CRM
                                                      : common::v1::SIDE_PROJECTS);
  parameters->set_reason(FitNotifyText(failure.reason));
  *parameters->mutable_occur_time() = ToProtoTimestamp(failure.occur_time);

  return client_.NotifyFailure(request, stop);
}

}  // namespace crmsync::auth

#include "services/auth/notify_notifier.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "libs/grpc_server/status.h"

namespace crmsync::auth {

NotifyNotifier::NotifyNotifier(const std::string& address, std::string caller_token,
                               absl::Duration timeout)
    : stub_(notify::v1::NotifyService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
      caller_token_(std::move(caller_token)),
      timeout_(timeout) {}

absl::Status NotifyNotifier::Notify(const QueuedFailure& failure, const absl::Notification& stop) {
  notify::v1::NotifyFailureRequest request;
  request.set_failure_id(failure.failure_id);
  request.set_portal_id(failure.key.portal_id);
  request.mutable_recipient()->set_email(failure.owner_email);
  request.set_kind(notify::v1::NOTIFICATION_KIND_OAUTH_GRANT_BROKEN);
  auto* parameters = request.mutable_parameters();
  parameters->set_side(failure.key.side == Side::kCrm ? common::v1::SIDE_CRM
                                                      : common::v1::SIDE_PROJECTS);
  parameters->set_reason(failure.reason);
  const int64_t micros = absl::ToUnixMicros(failure.occur_time);
  parameters->mutable_occur_time()->set_seconds(micros / 1000000);
  parameters->mutable_occur_time()->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  if (!caller_token_.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", caller_token_));
  }
  notify::v1::NotifyFailureResponse response;
  grpc::Status status;
  absl::Notification done;
  stub_->async()->NotifyFailure(&context, &request, &response, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  // A stop cancels the call in flight rather than wait out its deadline.
  while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
    if (stop.HasBeenNotified()) context.TryCancel();
  }
  return FromGrpcStatus(status);
}

}  // namespace crmsync::auth

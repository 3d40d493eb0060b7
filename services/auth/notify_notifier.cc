#include "services/auth/notify_notifier.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "libs/grpc_server/status.h"

namespace crmsync::auth {

NotifyNotifier::NotifyNotifier(const std::string& address, std::string caller_token)
    : stub_(notify::v1::NotifyService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
      caller_token_(std::move(caller_token)) {}

absl::Status NotifyNotifier::Notify(const QueuedFailure& failure) {
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
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!caller_token_.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", caller_token_));
  }
  notify::v1::NotifyFailureResponse response;
  return FromGrpcStatus(stub_->NotifyFailure(&context, request, &response));
}

}  // namespace crmsync::auth

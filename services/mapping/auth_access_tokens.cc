#include "services/mapping/auth_access_tokens.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "libs/grpc_server/status.h"

namespace crmsync::mapping {

AuthAccessTokens::AuthAccessTokens(std::shared_ptr<grpc::Channel> auth)
    : stub_(auth::v1::AuthService::NewStub(std::move(auth))) {}

absl::StatusOr<ApiToken> AuthAccessTokens::Get(absl::string_view portal_id, Side side,
                                               const std::vector<std::string>& scopes,
                                               absl::string_view rejected, absl::Time deadline) {
  auth::v1::GetAccessTokenRequest request;
  request.set_portal_id(std::string(portal_id));
  request.set_side(side == Side::kCrm ? common::v1::SIDE_CRM : common::v1::SIDE_PROJECTS);
  for (const std::string& scope : scopes) request.add_scopes(scope);
  request.set_rejected_access_token(std::string(rejected));
  grpc::ClientContext context;
  // A mint at the accounts server is the slowest answer auth gives; the caller's deadline may
  // come sooner, and auth bounds its own work by it.
  context.set_deadline(absl::ToChronoTime(std::min(absl::Now() + absl::Seconds(30), deadline)));
  auth::v1::GetAccessTokenResponse response;
  if (auto status = FromGrpcStatus(stub_->GetAccessToken(&context, request, &response));
      !status.ok()) {
    return status;
  }
  return ApiToken{response.access_token(), response.api_domain()};
}

}  // namespace crmsync::mapping

#include "services/sync/auth_tokens.h"

#include <grpcpp/grpcpp.h>

#include <utility>

#include "libs/grpc_server/status.h"
#include "services/sync/auth_reads.h"

namespace crmsync::sync {
namespace {

// A mint at the accounts server is the slowest answer auth gives.
constexpr absl::Duration kAuthTimeout = absl::Seconds(30);

}  // namespace

AuthTokens::AuthTokens(std::shared_ptr<grpc::Channel> auth)
    : stub_(auth::v1::AuthService::NewStub(std::move(auth))) {}

absl::StatusOr<ApiToken> AuthTokens::Get(absl::string_view portal_id, Side side,
                                         const std::vector<std::string>& scopes,
                                         absl::string_view rejected, absl::Time deadline) {
  auth::v1::GetAccessTokenRequest request;
  request.set_portal_id(std::string(portal_id));
  request.set_side(static_cast<common::v1::Side>(side));
  for (const std::string& scope : scopes) request.add_scopes(scope);
  request.set_rejected_access_token(std::string(rejected));
  grpc::ClientContext context;
  PrepareAuthCall(context, kAuthTimeout, deadline);
  auth::v1::GetAccessTokenResponse response;
  const absl::Status status = FromGrpcStatus(stub_->GetAccessToken(&context, request, &response));
  if (!status.ok()) return status;
  return ApiToken{response.access_token(), response.api_domain()};
}

bool NoUsableGrant(const absl::Status& status) {
  return absl::IsNotFound(status) || absl::IsFailedPrecondition(status) ||
         absl::IsPermissionDenied(status);
}

}  // namespace crmsync::sync

#include "services/sync/auth_reads.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/grpc_server/status.h"

namespace crmsync::sync {
namespace {

// GetGrant is one indexed read.
constexpr absl::Duration kCallTimeout = absl::Seconds(5);

}  // namespace

void PrepareAuthCall(grpc::ClientContext& context, absl::Duration timeout, absl::Time deadline) {
  context.set_deadline(absl::ToChronoTime(std::min(absl::Now() + timeout, deadline)));
}

AuthGrantStates::AuthGrantStates(std::shared_ptr<grpc::Channel> auth)
    : auth_(auth::v1::AuthService::NewStub(std::move(auth))) {}

absl::Status AuthGrantStates::CheckActive(absl::string_view portal_id, Side side,
                                          absl::Time deadline) {
  auth::v1::GetGrantRequest request;
  request.set_portal_id(std::string(portal_id));
  request.set_side(static_cast<common::v1::Side>(side));
  grpc::ClientContext context;
  PrepareAuthCall(context, kCallTimeout, deadline);
  auth::v1::GetGrantResponse response;
  const absl::Status status = FromGrpcStatus(auth_->GetGrant(&context, request, &response));
  if (absl::IsNotFound(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat("portal ", portal_id, " has no ", SideDisplayName(side), " grant"));
  }
  if (CallerDeadlinePassed(status, deadline)) return status;
  if (absl::IsDeadlineExceeded(status) || absl::IsUnavailable(status)) {
    return absl::UnavailableError(absl::StrCat("auth did not answer: ", status.message()));
  }
  if (!status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("auth did not give the state of the grant: ", status.message()));
  }
  if (response.grant().state() == auth::v1::GRANT_STATE_BROKEN) {
    return absl::FailedPreconditionError(absl::StrCat(
        "The ", SideDisplayName(side), " grant of portal ", portal_id, " is BROKEN (",
        response.grant().broken_reason(), "); an admin must register a new refresh token"));
  }
  return absl::OkStatus();
}

}  // namespace crmsync::sync

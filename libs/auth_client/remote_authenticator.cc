#include "libs/auth_client/remote_authenticator.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"

ABSL_FLAG(std::string, auth_address, "",
          "host:port of crmsync-auth (required): it verifies the caller tokens presented to this "
          "service and vends the Zoho access tokens it uses.");

ABSL_FLAG(absl::Duration, caller_cache_ttl, absl::Seconds(60),
          "How long a verified caller token is trusted without asking again (at most 60 s, so a "
          "revocation takes effect within a minute).");

namespace crmsync {

RemoteCallerAuthenticator::RemoteCallerAuthenticator(std::shared_ptr<grpc::Channel> auth_channel,
                                                     absl::Duration timeout)
    : stub_(auth::v1::AuthService::NewStub(std::move(auth_channel))), timeout_(timeout) {}

absl::StatusOr<Caller> RemoteCallerAuthenticator::Authenticate(absl::string_view token) {
  auth::v1::AuthenticateCallerRequest request;
  request.set_token(std::string(token));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  auth::v1::AuthenticateCallerResponse response;
  const grpc::Status status = stub_->AuthenticateCaller(&context, request, &response);
  if (status.ok()) {
    const auth::v1::CallerToken& token_info = response.caller_token();
    Caller caller;
    caller.caller_token_id = token_info.caller_token_id();
    caller.name = token_info.caller_name();
    for (int role : token_info.roles()) {
      if (role >= static_cast<int>(CallerRole::kReader) &&
          role <= static_cast<int>(CallerRole::kService)) {
        caller.roles.push_back(static_cast<CallerRole>(role));
      }
    }
    caller.portal_ids.assign(token_info.portal_ids().begin(), token_info.portal_ids().end());
    return caller;
  }
  // Auth's handler refuses the presented token with kPresentedTokenRefused (or INVALID_ARGUMENT
  // for an empty one) only after accepting this service's own; a refusal of our own token
  // comes from auth's interceptor, with another message.
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
      (status.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
       status.error_message() == kPresentedTokenRefused)) {
    return absl::UnauthenticatedError(kPresentedTokenRefused);
  }
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
      status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    LogError(
        "auth refused this service's own caller token (CRMSYNC_CALLER_TOKEN)",
        {{"grpc_code", static_cast<int>(status.error_code())}, {"error", status.error_message()}});
  }
  return absl::UnavailableError(
      absl::StrCat("auth could not verify the caller: ", status.error_message()));
}

absl::StatusOr<absl::Duration> CallerCacheTtlFromFlags() {
  const absl::Duration ttl = absl::GetFlag(FLAGS_caller_cache_ttl);
  if (ttl < absl::ZeroDuration() || ttl > absl::Seconds(60)) {
    return absl::InvalidArgumentError("--caller_cache_ttl: must be 0s..60s");
  }
  return ttl;
}

absl::StatusOr<std::string> AuthAddressFromFlags() {
  std::string address = absl::GetFlag(FLAGS_auth_address);
  if (address.empty()) {
    return absl::InvalidArgumentError(
        "--auth_address is required: callers' tokens are verified by crmsync-auth");
  }
  return address;
}

absl::StatusOr<std::unique_ptr<CallerAuthenticator>> VerifyCallersWithAuth(
    Runtime& runtime, const std::string& auth_address, MethodRoles roles) {
  auto channel = runtime.ChannelTo(auth_address);
  if (!channel.ok()) return channel.status();
  auto ttl = CallerCacheTtlFromFlags();
  if (!ttl.ok()) return ttl.status();
  auto authenticator =
      std::make_unique<AuthServiceAuthenticator>(*std::move(channel), RealClock(), *ttl);
  runtime.SetCallerAuthentication(*authenticator, std::move(roles));
  return authenticator;
}

}  // namespace crmsync

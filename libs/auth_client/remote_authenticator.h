// How mapping, sync and notify verify the caller tokens presented to them: auth's
// AuthenticateCaller at --auth_address (required), called with the service's own token (role
// SERVICE), positive answers cached for --caller_cache_ttl (at most 60 s).
#ifndef CRMSYNC_LIBS_AUTH_CLIENT_REMOTE_AUTHENTICATOR_H_
#define CRMSYNC_LIBS_AUTH_CLIENT_REMOTE_AUTHENTICATOR_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/time/time.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "libs/grpc_server/caller_auth.h"
#include "libs/grpc_server/runtime.h"

namespace crmsync {

class RemoteCallerAuthenticator : public CallerAuthenticator {
 public:
  // `auth_channel` carries this service's own caller token (CallerChannel). Each check is
  // bounded by `timeout`.
  explicit RemoteCallerAuthenticator(std::shared_ptr<grpc::Channel> auth_channel,
                                     absl::Duration timeout = absl::Seconds(5));

  // UNAUTHENTICATED when auth refuses the token; UNAVAILABLE when auth cannot be asked or
  // refuses this service itself (its own token is then wrong: logged).
  absl::StatusOr<Caller> Authenticate(absl::string_view token) override;

 private:
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
  const absl::Duration timeout_;
};

// What mapping, sync and notify install: auth's answers, positive ones cached for `ttl`.
class AuthServiceAuthenticator : public CallerAuthenticator {
 public:
  AuthServiceAuthenticator(std::shared_ptr<grpc::Channel> auth_channel, const Clock& clock,
                           absl::Duration ttl)
      : remote_(std::move(auth_channel)), cache_(remote_, clock, ttl) {}
  absl::StatusOr<Caller> Authenticate(absl::string_view token) override {
    return cache_.Authenticate(token);
  }

 private:
  RemoteCallerAuthenticator remote_;
  CachingAuthenticator cache_;
};

// --caller_cache_ttl (default 60 s); INVALID_ARGUMENT outside 0s..60s.
absl::StatusOr<absl::Duration> CallerCacheTtlFromFlags();

// --auth_address; INVALID_ARGUMENT when it is empty.
absl::StatusOr<std::string> AuthAddressFromFlags();

// Has `runtime` judge its callers by auth at `auth_address` against `roles`. The returned
// authenticator must outlive the runtime.
absl::StatusOr<std::unique_ptr<CallerAuthenticator>> VerifyCallersWithAuth(
    Runtime& runtime, const std::string& auth_address, MethodRoles roles);

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_AUTH_CLIENT_REMOTE_AUTHENTICATOR_H_

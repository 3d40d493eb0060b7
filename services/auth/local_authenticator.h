// How auth itself verifies the caller tokens presented to it: from its own store, without the
// round trip through AuthenticateCaller that the other services make.
#ifndef CRMSYNC_SERVICES_AUTH_LOCAL_AUTHENTICATOR_H_
#define CRMSYNC_SERVICES_AUTH_LOCAL_AUTHENTICATOR_H_

#include "libs/grpc_server/caller_auth.h"
#include "services/auth/caller_tokens.h"

namespace crmsync::auth {

class LocalCallerAuthenticator : public CallerAuthenticator {
 public:
  // `tokens` must outlive the authenticator.
  explicit LocalCallerAuthenticator(CallerTokens& tokens) : tokens_(tokens) {}

  // The ACTIVE token's caller; UNAUTHENTICATED (saying nothing more) for any other token;
  // UNAVAILABLE (or DEADLINE_EXCEEDED) when the database cannot answer, never a caller.
  absl::StatusOr<Caller> Authenticate(absl::string_view token) override;

 private:
  CallerTokens& tokens_;
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_LOCAL_AUTHENTICATOR_H_

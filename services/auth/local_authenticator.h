// How auth verifies the caller tokens presented to it: its own caller token table, with no call
// to itself.
#ifndef CRMSYNC_SERVICES_AUTH_LOCAL_AUTHENTICATOR_H_
#define CRMSYNC_SERVICES_AUTH_LOCAL_AUTHENTICATOR_H_

#include "libs/grpc_server/caller_auth.h"
#include "services/auth/caller_tokens.h"

namespace crmsync::auth {

class LocalCallerAuthenticator : public CallerAuthenticator {
 public:
  explicit LocalCallerAuthenticator(CallerTokens& tokens) : tokens_(tokens) {}

  // UNAUTHENTICATED for a token that is not ACTIVE; UNAVAILABLE when the table cannot be read.
  absl::StatusOr<Caller> Authenticate(absl::string_view token) override;

 private:
  CallerTokens& tokens_;
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_LOCAL_AUTHENTICATOR_H_

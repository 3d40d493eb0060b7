#include "services/auth/local_authenticator.h"

namespace crmsync::auth {

absl::StatusOr<Caller> LocalCallerAuthenticator::Authenticate(absl::string_view token) {
  absl::StatusOr<CallerToken> found = tokens_.Authenticate(token);
  if (!found.ok()) {
    if (absl::IsUnauthenticated(found.status())) return found.status();
    return absl::UnavailableError("the caller tokens cannot be read");
  }
  Caller caller;
  caller.caller_token_id = found->caller_token_id;
  caller.name = found->caller_name;
  for (auth::CallerRole role : found->roles) {
    caller.roles.push_back(static_cast<crmsync::CallerRole>(role));
  }
  caller.portal_ids = found->portal_ids;
  return caller;
}

}  // namespace crmsync::auth

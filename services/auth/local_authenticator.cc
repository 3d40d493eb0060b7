#include "services/auth/local_authenticator.h"

namespace crmsync::auth {

absl::StatusOr<Caller> LocalCallerAuthenticator::Authenticate(absl::string_view token) {
  absl::StatusOr<CallerToken> stored = tokens_.Authenticate(token);
  if (!stored.ok()) {
    const absl::StatusCode code = stored.status().code();
    if (code == absl::StatusCode::kUnauthenticated || code == absl::StatusCode::kDeadlineExceeded) {
      return stored.status();
    }
    // Whatever else kept the store from answering, the token could not be verified now; the
    // database's own words stay out of an answer every caller may see.
    return absl::UnavailableError("caller tokens cannot be verified now");
  }
  Caller caller;
  caller.caller_token_id = std::move(stored->caller_token_id);
  caller.name = std::move(stored->caller_name);
  caller.roles = std::move(stored->roles);
  caller.portal_ids = std::move(stored->portal_ids);
  return caller;
}

}  // namespace crmsync::auth

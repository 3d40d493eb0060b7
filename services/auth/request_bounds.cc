#include "services/auth/request_bounds.h"

#include "libs/common/bounds.h"
#include "libs/common/status_macros.h"
#include "services/auth/caller_tokens.h"
#include "services/auth/grant.h"

namespace crmsync::auth {

absl::Status CheckBounds(const v1::GetAccessTokenRequest& request) {
  RETURN_IF_ERROR(CheckMaxCount("scopes", request.scopes_size(), kMaxScopes));
  return CheckMaxCharacters("rejected_access_token", request.rejected_access_token(),
                            kMaxPresentedTokenLength);
}

absl::Status CheckBounds(const v1::IssueCallerTokenRequest& request) {
  RETURN_IF_ERROR(
      CheckMaxCount("roles", request.roles_size(), static_cast<size_t>(CallerRole::kService)));
  return CheckMaxCount("portal_ids", request.portal_ids_size(), kMaxCallerTokenPortals);
}

absl::Status CheckBounds(const v1::AuthenticateCallerRequest& request) {
  return CheckMaxCharacters("token", request.token(), kMaxPresentedTokenLength);
}

}  // namespace crmsync::auth

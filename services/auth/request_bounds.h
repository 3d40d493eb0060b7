// The bounds of AuthService requests that no domain check covers, as auth.proto states them:
// how many scopes, roles and portals a request lists and how long the tokens it carries are.
// Each failure is INVALID_ARGUMENT naming the field, never echoing a token.
#ifndef CRMSYNC_SERVICES_AUTH_REQUEST_BOUNDS_H_
#define CRMSYNC_SERVICES_AUTH_REQUEST_BOUNDS_H_

#include <cstddef>

#include "absl/status/status.h"
#include "crmsync/auth/v1/auth.pb.h"

namespace crmsync::auth {

// Most portals one caller token is restricted to.
inline constexpr size_t kMaxCallerTokenPortals = 100;
// Longest access token or caller token a request may present.
inline constexpr size_t kMaxPresentedTokenLength = 4096;

// scopes (at most kMaxScopes) and rejected_access_token (at most 4096 characters).
absl::Status CheckBounds(const v1::GetAccessTokenRequest& request);
// roles (at most one per role) and portal_ids (at most kMaxCallerTokenPortals).
absl::Status CheckBounds(const v1::IssueCallerTokenRequest& request);
// token (at most 4096 characters).
absl::Status CheckBounds(const v1::AuthenticateCallerRequest& request);

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_REQUEST_BOUNDS_H_

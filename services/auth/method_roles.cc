#include "services/auth/method_roles.h"

namespace crmsync::auth {

MethodRoles AuthMethodRoles() {
  return {
      {"/crmsync.auth.v1.AuthService/RegisterGrant", CallerRole::kAdmin},
      {"/crmsync.auth.v1.AuthService/GetGrant", CallerRole::kReader},
      {"/crmsync.auth.v1.AuthService/ListGrants", CallerRole::kReader},
      {"/crmsync.auth.v1.AuthService/RevokeGrant", CallerRole::kAdmin},
      {"/crmsync.auth.v1.AuthService/RotateKeys", CallerRole::kAdmin},
      {"/crmsync.auth.v1.AuthService/GetAccessToken", CallerRole::kService},
      {"/crmsync.auth.v1.AuthService/IssueCallerToken", CallerRole::kAdmin},
      {"/crmsync.auth.v1.AuthService/RevokeCallerToken", CallerRole::kAdmin},
      {"/crmsync.auth.v1.AuthService/ListCallerTokens", CallerRole::kAdmin},
      {"/crmsync.auth.v1.AuthService/AuthenticateCaller", CallerRole::kService},
  };
}

}  // namespace crmsync::auth

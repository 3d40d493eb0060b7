#include "services/auth/auth_server.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/grpc_server/caller_auth.h"
#include "libs/grpc_server/deadline.h"
#include "libs/grpc_server/status.h"

namespace crmsync::auth {
namespace {

void SetTime(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(time);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest * 1000));
}

absl::StatusOr<Side> SideFromProto(common::v1::Side side) {
  switch (side) {
    case common::v1::SIDE_CRM:
      return Side::kCrm;
    case common::v1::SIDE_PROJECTS:
      return Side::kProjects;
    default:
      return absl::InvalidArgumentError("side: must be SIDE_CRM or SIDE_PROJECTS");
  }
}

common::v1::Side SideToProto(Side side) {
  return side == Side::kCrm ? common::v1::SIDE_CRM : common::v1::SIDE_PROJECTS;
}

absl::StatusOr<GrantKey> KeyFromProto(const std::string& portal_id, common::v1::Side side) {
  RETURN_IF_ERROR(CheckPortalId("portal_id", portal_id));
  ASSIGN_OR_RETURN(Side parsed, SideFromProto(side));
  return GrantKey{portal_id, parsed};
}

void GrantToProto(const Grant& grant, v1::Grant* out) {
  out->set_portal_id(grant.key.portal_id);
  out->set_side(SideToProto(grant.key.side));
  out->set_accounts_server_url(grant.accounts_server_url);
  out->set_api_domain(grant.api_domain);
  out->set_client_id(grant.client_id);
  for (const std::string& scope : grant.scopes) out->add_scopes(scope);
  out->set_owner_email(grant.owner_email);
  out->set_state(grant.state == GrantState::kActive ? v1::GRANT_STATE_ACTIVE
                                                    : v1::GRANT_STATE_BROKEN);
  out->set_broken_reason(grant.broken_reason);
  if (grant.broken_time) SetTime(*grant.broken_time, out->mutable_broken_time());
  out->set_key_id(grant.key_id);
  if (grant.access_token_expire_time) {
    SetTime(*grant.access_token_expire_time, out->mutable_access_token_expire_time());
  }
  SetTime(grant.create_time, out->mutable_create_time());
  SetTime(grant.update_time, out->mutable_update_time());
}

absl::StatusOr<GrantRegistration> RegistrationFromProto(const v1::RegisterGrantRequest& request,
                                                        const ServerOptions& options) {
  GrantRegistration registration;
  ASSIGN_OR_RETURN(registration.key, KeyFromProto(request.portal_id(), request.side()));
  RETURN_IF_ERROR(CheckZohoUrl("accounts_server_url", request.accounts_server_url(),
                               ZohoHostKind::kAccountsServer, options.allow_loopback_http));
  RETURN_IF_ERROR(CheckZohoUrl("api_domain", request.api_domain(), ZohoHostKind::kApiDomain,
                               options.allow_loopback_http));
  RETURN_IF_ERROR(CheckCredential("client_id", request.client_id()));
  RETURN_IF_ERROR(CheckCredential("client_secret", request.client_secret()));
  RETURN_IF_ERROR(CheckCredential("refresh_token", request.refresh_token()));
  ASSIGN_OR_RETURN(registration.scopes,
                   NormalizeScopes("scopes", {request.scopes().begin(), request.scopes().end()}));
  RETURN_IF_ERROR(CheckEmail("owner_email", request.owner_email()));
  std::string accounts_server_url = request.accounts_server_url();
  if (!accounts_server_url.empty() && accounts_server_url.back() == '/') {
    accounts_server_url.pop_back();
  }
  registration.accounts_server_url = std::move(accounts_server_url);
  registration.api_domain = request.api_domain();
  registration.client_id = request.client_id();
  registration.client_secret = request.client_secret();
  registration.refresh_token = request.refresh_token();
  registration.owner_email = request.owner_email();
  registration.replace_existing = request.replace_existing();
  return registration;
}

void CallerTokenToProto(const CallerToken& token, absl::Time now, v1::CallerToken* out) {
  out->set_caller_token_id(token.caller_token_id);
  out->set_caller_name(token.caller_name);
  for (CallerRole role : token.roles) out->add_roles(static_cast<v1::CallerRole>(role));
  for (const std::string& portal : token.portal_ids) out->add_portal_ids(portal);
  switch (token.StateAt(now)) {
    case CallerTokenState::kActive:
      out->set_state(v1::CALLER_TOKEN_STATE_ACTIVE);
      break;
    case CallerTokenState::kRevoked:
      out->set_state(v1::CALLER_TOKEN_STATE_REVOKED);
      break;
    case CallerTokenState::kExpired:
      out->set_state(v1::CALLER_TOKEN_STATE_EXPIRED);
      break;
  }
  SetTime(token.create_time, out->mutable_create_time());
  if (token.expire_time) SetTime(*token.expire_time, out->mutable_expire_time());
  if (token.revoke_time) SetTime(*token.revoke_time, out->mutable_revoke_time());
}

absl::Status CheckCallerName(absl::string_view name) {
  if (name.empty() || name.size() > 100) {
    return absl::InvalidArgumentError("caller_name: must be 1..100 characters");
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("caller_name: must not contain control characters");
    }
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status AuthServer::RegisterGrant(grpc::ServerContext* context,
                                       const v1::RegisterGrantRequest* request,
                                       v1::RegisterGrantResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  auto registration = RegistrationFromProto(*request, options_);
  if (!registration.ok()) return ToGrpcStatus(registration.status());
  auto grant = registry_.Register(*registration);
  if (!grant.ok()) return ToGrpcStatus(grant.status());
  GrantToProto(*grant, response->mutable_grant());
  return grpc::Status::OK;
}

grpc::Status AuthServer::GetGrant(grpc::ServerContext* context, const v1::GetGrantRequest* request,
                                  v1::GetGrantResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  auto key = KeyFromProto(request->portal_id(), request->side());
  if (!key.ok()) return ToGrpcStatus(key.status());
  auto grant = registry_.Get(*key);
  if (!grant.ok()) return ToGrpcStatus(grant.status());
  GrantToProto(*grant, response->mutable_grant());
  return grpc::Status::OK;
}

grpc::Status AuthServer::ListGrants(grpc::ServerContext* context,
                                    const v1::ListGrantsRequest* request,
                                    v1::ListGrantsResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  GrantFilter filter;
  if (!request->portal_id().empty()) {
    if (auto status = CheckPortalId("portal_id", request->portal_id()); !status.ok()) {
      return ToGrpcStatus(status);
    }
    filter.portal_id = request->portal_id();
  }
  switch (request->state()) {
    case v1::GRANT_STATE_UNSPECIFIED:
      break;
    case v1::GRANT_STATE_ACTIVE:
      filter.state = GrantState::kActive;
      break;
    case v1::GRANT_STATE_BROKEN:
      filter.state = GrantState::kBroken;
      break;
    default:
      return ToGrpcStatus(absl::InvalidArgumentError("state: unknown grant state"));
  }
  auto page = registry_.List(filter, request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const Grant& grant : page->grants) GrantToProto(grant, response->add_grants());
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status AuthServer::RevokeGrant(grpc::ServerContext* context,
                                     const v1::RevokeGrantRequest* request,
                                     v1::RevokeGrantResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  auto key = KeyFromProto(request->portal_id(), request->side());
  if (!key.ok()) return ToGrpcStatus(key.status());
  auto revoked = registry_.Revoke(*key, request->local_only());
  if (!revoked.ok()) return ToGrpcStatus(revoked.status());
  GrantToProto(revoked->grant, response->mutable_grant());
  response->set_revoked_at_zoho(revoked->revoked_at_zoho);
  return grpc::Status::OK;
}

grpc::Status AuthServer::RotateKeys(grpc::ServerContext* context,
                                    const v1::RotateKeysRequest* request,
                                    v1::RotateKeysResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  auto counts = registry_.RotateKeys(request->dry_run());
  if (!counts.ok()) return ToGrpcStatus(counts.status());
  response->set_key_id(counts->key_id);
  response->set_grants_rewritten(counts->grants_rewritten);
  response->set_secrets_rewritten(counts->secrets_rewritten);
  response->set_secrets_already_current(counts->secrets_already_current);
  response->set_secrets_failed(counts->secrets_failed);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* AuthServer::GetAccessToken(grpc::CallbackServerContext* context,
                                                     const v1::GetAccessTokenRequest* request,
                                                     v1::GetAccessTokenResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status refusal = CallerRefusal(context); !refusal.ok()) {
    reactor->Finish(refusal);
    return reactor;
  }
  auto finish = [reactor, response](const absl::StatusOr<VendedToken>& token) {
    if (!token.ok()) return reactor->Finish(ToGrpcStatus(token.status()));
    response->set_access_token(token->access_token);
    SetTime(token->expire_time, response->mutable_expire_time());
    response->set_api_domain(token->api_domain);
    reactor->Finish(grpc::Status::OK);
  };
  auto key = KeyFromProto(request->portal_id(), request->side());
  if (!key.ok()) {
    reactor->Finish(ToGrpcStatus(key.status()));
    return reactor;
  }
  if (request->scopes().empty()) {
    reactor->Finish(
        ToGrpcStatus(absl::InvalidArgumentError("scopes: at least one scope is required")));
    return reactor;
  }
  std::vector<std::string> scopes;
  scopes.reserve(request->scopes_size());
  for (int i = 0; i < request->scopes_size(); ++i) {
    if (!IsScope(request->scopes(i))) {
      reactor->Finish(
          ToGrpcStatus(CheckScope(absl::StrCat("scopes[", i, "]"), request->scopes(i))));
      return reactor;
    }
    scopes.push_back(request->scopes(i));
  }
  if (auto answer = vendor_.FromMemory(*key, scopes, request->rejected_access_token())) {
    finish(*answer);
    return reactor;
  }
  const absl::Time deadline = CallerDeadline(*context);
  const bool queued = misses_.TryRun(
      [this, finish, request, deadline, key = *std::move(key), scopes = std::move(scopes)] {
        finish(vendor_.GetAccessToken(key, scopes, request->rejected_access_token(), deadline));
      });
  if (!queued) {
    reactor->Finish(ToGrpcStatus(absl::ResourceExhaustedError(
        absl::StrCat("auth is overloaded: ", kMaxQueuedMisses,
                     " token requests already wait for a worker; retry with backoff"))));
  }
  return reactor;
}

grpc::Status AuthServer::IssueCallerToken(grpc::ServerContext* context,
                                          const v1::IssueCallerTokenRequest* request,
                                          v1::IssueCallerTokenResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (auto status = CheckCallerName(request->caller_name()); !status.ok()) {
    return ToGrpcStatus(status);
  }
  if (request->roles().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("roles: at least one role is required"));
  }
  std::vector<CallerRole> roles;
  for (int i = 0; i < request->roles_size(); ++i) {
    const int role = request->roles(i);
    if (role < static_cast<int>(CallerRole::kReader) ||
        role > static_cast<int>(CallerRole::kService)) {
      return ToGrpcStatus(
          absl::InvalidArgumentError(absl::StrCat("roles[", i, "]: not a valid role")));
    }
    if (std::find(roles.begin(), roles.end(), static_cast<CallerRole>(role)) == roles.end()) {
      roles.push_back(static_cast<CallerRole>(role));
    }
  }
  std::vector<std::string> portal_ids;
  for (int i = 0; i < request->portal_ids_size(); ++i) {
    if (auto status = CheckPortalId(absl::StrCat("portal_ids[", i, "]"), request->portal_ids(i));
        !status.ok()) {
      return ToGrpcStatus(status);
    }
    portal_ids.push_back(request->portal_ids(i));
  }
  std::optional<absl::Time> expire_time;
  if (request->has_expire_time()) {
    expire_time = absl::FromUnixSeconds(request->expire_time().seconds()) +
                  absl::Nanoseconds(request->expire_time().nanos());
  }
  auto issued =
      callers_.Issue(request->caller_name(), std::move(roles), std::move(portal_ids), expire_time);
  if (!issued.ok()) return ToGrpcStatus(issued.status());
  CallerTokenToProto(issued->caller_token, callers_.Now(), response->mutable_caller_token());
  response->set_token(issued->token);
  return grpc::Status::OK;
}

grpc::Status AuthServer::RevokeCallerToken(grpc::ServerContext* context,
                                           const v1::RevokeCallerTokenRequest* request,
                                           v1::RevokeCallerTokenResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  const std::string& id = request->caller_token_id();
  if (id.empty() || id.size() > 64) {
    return ToGrpcStatus(absl::InvalidArgumentError("caller_token_id: must be 1..64 characters"));
  }
  auto token = callers_.Revoke(id);
  if (!token.ok()) return ToGrpcStatus(token.status());
  CallerTokenToProto(*token, callers_.Now(), response->mutable_caller_token());
  return grpc::Status::OK;
}

grpc::Status AuthServer::ListCallerTokens(grpc::ServerContext* context,
                                          const v1::ListCallerTokensRequest* request,
                                          v1::ListCallerTokensResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  std::optional<CallerTokenState> state;
  switch (request->state()) {
    case v1::CALLER_TOKEN_STATE_UNSPECIFIED:
      break;
    case v1::CALLER_TOKEN_STATE_ACTIVE:
      state = CallerTokenState::kActive;
      break;
    case v1::CALLER_TOKEN_STATE_REVOKED:
      state = CallerTokenState::kRevoked;
      break;
    case v1::CALLER_TOKEN_STATE_EXPIRED:
      state = CallerTokenState::kExpired;
      break;
    default:
      return ToGrpcStatus(absl::InvalidArgumentError("state: unknown caller token state"));
  }
  auto page = callers_.List(state, request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  const absl::Time now = callers_.Now();
  for (const CallerToken& token : page->caller_tokens) {
    CallerTokenToProto(token, now, response->add_caller_tokens());
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status AuthServer::AuthenticateCaller(grpc::ServerContext* context,
                                            const v1::AuthenticateCallerRequest* request,
                                            v1::AuthenticateCallerResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (request->token().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("token: required"));
  }
  auto token = callers_.Authenticate(request->token());
  if (absl::IsUnauthenticated(token.status())) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, kPresentedTokenRefused);
  }
  if (!token.ok()) return ToGrpcStatus(token.status());
  CallerTokenToProto(*token, callers_.Now(), response->mutable_caller_token());
  return grpc::Status::OK;
}

}  // namespace crmsync::auth

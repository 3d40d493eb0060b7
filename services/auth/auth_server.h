// The gRPC face of the auth service (crmsync.auth.v1.AuthService): validates requests (each
// INVALID_ARGUMENT names its field), hands them to the grant registry and the token vendor, and
// maps the results back. No secret is ever put into a response but the vended access token.
//
// Roles are not enforced here yet: callers are not asked for `authorization` metadata.
#ifndef CRMSYNC_SERVICES_AUTH_AUTH_SERVER_H_
#define CRMSYNC_SERVICES_AUTH_AUTH_SERVER_H_

#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "libs/common/worker_pool.h"
#include "services/auth/caller_tokens.h"
#include "services/auth/grant_registry.h"
#include "services/auth/token_vendor.h"

namespace crmsync::auth {

struct ServerOptions {
  // Also accept loopback hosts (http or https, any port) as a grant's accounts server and API
  // domain, beside Zoho's own: zoho-sim in tests and local runs. See CheckZohoUrl.
  bool allow_loopback_http = false;
};

// GetAccessToken, the hot path, uses gRPC's callback API: a token this process holds in memory
// is answered on the callback thread; anything that needs Postgres or a refresh moves to a
// worker pool, so no callback thread blocks. The other methods use the synchronous API.
class AuthServer final
    : public v1::AuthService::WithCallbackMethod_GetAccessToken<v1::AuthService::Service> {
 public:
  AuthServer(GrantRegistry& registry, TokenVendor& vendor, CallerTokens& callers,
             ServerOptions options)
      : registry_(registry), vendor_(vendor), callers_(callers), options_(options) {}

  grpc::Status RegisterGrant(grpc::ServerContext* context, const v1::RegisterGrantRequest* request,
                             v1::RegisterGrantResponse* response) override;
  grpc::Status GetGrant(grpc::ServerContext* context, const v1::GetGrantRequest* request,
                        v1::GetGrantResponse* response) override;
  grpc::Status ListGrants(grpc::ServerContext* context, const v1::ListGrantsRequest* request,
                          v1::ListGrantsResponse* response) override;
  grpc::Status RevokeGrant(grpc::ServerContext* context, const v1::RevokeGrantRequest* request,
                           v1::RevokeGrantResponse* response) override;
  grpc::Status RotateKeys(grpc::ServerContext* context, const v1::RotateKeysRequest* request,
                          v1::RotateKeysResponse* response) override;
  grpc::ServerUnaryReactor* GetAccessToken(grpc::CallbackServerContext* context,
                                           const v1::GetAccessTokenRequest* request,
                                           v1::GetAccessTokenResponse* response) override;
  grpc::Status IssueCallerToken(grpc::ServerContext* context,
                                const v1::IssueCallerTokenRequest* request,
                                v1::IssueCallerTokenResponse* response) override;
  grpc::Status RevokeCallerToken(grpc::ServerContext* context,
                                 const v1::RevokeCallerTokenRequest* request,
                                 v1::RevokeCallerTokenResponse* response) override;
  grpc::Status ListCallerTokens(grpc::ServerContext* context,
                                const v1::ListCallerTokensRequest* request,
                                v1::ListCallerTokensResponse* response) override;
  grpc::Status AuthenticateCaller(grpc::ServerContext* context,
                                  const v1::AuthenticateCallerRequest* request,
                                  v1::AuthenticateCallerResponse* response) override;

 private:
  GrantRegistry& registry_;
  TokenVendor& vendor_;
  CallerTokens& callers_;
  const ServerOptions options_;
  // Token requests that memory cannot answer. Concurrent misses of one grant share one flight,
  // so a few threads suffice; beyond kMaxQueuedMisses waiting, callers get RESOURCE_EXHAUSTED.
  static constexpr int kMaxQueuedMisses = 1024;
  WorkerPool misses_{8, kMaxQueuedMisses};
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_AUTH_SERVER_H_

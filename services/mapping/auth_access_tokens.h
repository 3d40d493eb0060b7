// AccessTokens from crmsync-auth's GetAccessToken, over gRPC with this service's caller token.
#ifndef CRMSYNC_SERVICES_MAPPING_AUTH_ACCESS_TOKENS_H_
#define CRMSYNC_SERVICES_MAPPING_AUTH_ACCESS_TOKENS_H_

#include <memory>
#include <string>

#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "services/mapping/access_tokens.h"

namespace crmsync::mapping {

class AuthAccessTokens : public AccessTokens {
 public:
  // `auth` is a channel to crmsync-auth that carries mapping's caller token.
  explicit AuthAccessTokens(std::shared_ptr<grpc::Channel> auth);

  absl::StatusOr<ApiToken> Get(absl::string_view portal_id, Side side,
                               const std::vector<std::string>& scopes, absl::string_view rejected,
                               absl::Time deadline) override;

 private:
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
};

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_AUTH_ACCESS_TOKENS_H_

// Where the directory import gets its Zoho access tokens: crmsync-auth's GetAccessToken in the
// service (AuthAccessTokens), anything that mints real tokens in tests.
#ifndef CRMSYNC_SERVICES_MAPPING_ACCESS_TOKENS_H_
#define CRMSYNC_SERVICES_MAPPING_ACCESS_TOKENS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/mapping/directory.h"

namespace crmsync::mapping {

struct ApiToken {
  std::string access_token;  // secret: never logged
  std::string api_domain;    // the API host that accepts it
};

class AccessTokens {
 public:
  virtual ~AccessTokens() = default;
  // The token of the portal's grant for `side`, holding `scopes`. `rejected` is a token Zoho just
  // refused with 401 (empty otherwise), so that a fresh one is minted. NOT_FOUND no grant;
  // FAILED_PRECONDITION a broken grant; PERMISSION_DENIED a scope the grant lacks; UNAVAILABLE
  // the token source is unreachable; DEADLINE_EXCEEDED no answer before `deadline`.
  virtual absl::StatusOr<ApiToken> Get(absl::string_view portal_id, Side side,
                                       const std::vector<std::string>& scopes,
                                       absl::string_view rejected, absl::Time deadline) = 0;
};

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_ACCESS_TOKENS_H_

// Access tokens of a portal's Zoho grants, from crmsync-auth's GetAccessToken over gRPC with this
// service's caller token: what every read sync makes from Zoho is sent with.
#ifndef CRMSYNC_SERVICES_SYNC_AUTH_TOKENS_H_
#define CRMSYNC_SERVICES_SYNC_AUTH_TOKENS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "libs/common/side.h"

namespace crmsync::sync {

// A token and the API host that accepts it.
struct ApiToken {
  std::string access_token;  // secret: never logged
  std::string api_domain;    // e.g. "https://www.zohoapis.eu"
};

class AuthTokens {
 public:
  // `auth` is a channel to crmsync-auth that carries sync's caller token.
  explicit AuthTokens(std::shared_ptr<grpc::Channel> auth);

  // A token of the portal's grant on `side` holding `scopes`; `rejected` is one Zoho just
  // refused (auth then vends another). auth's status as it answered: NOT_FOUND,
  // FAILED_PRECONDITION or PERMISSION_DENIED when the portal has no usable grant. Bounded by
  // `deadline` and by auth's slowest answer (a mint).
  absl::StatusOr<ApiToken> Get(absl::string_view portal_id, Side side,
                               const std::vector<std::string>& scopes, absl::string_view rejected,
                               absl::Time deadline);

 private:
  std::unique_ptr<auth::v1::AuthService::Stub> stub_;
};

// Whether auth's `status` means the portal has no grant these reads can use (retrying soon will
// not help), rather than that auth could not answer.
bool NoUsableGrant(const absl::Status& status);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_AUTH_TOKENS_H_

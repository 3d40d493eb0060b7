// The Zoho accounts server (OAuth 2.0): exchanges a self-client grant code for a refresh token,
// mints access tokens from a refresh token and revokes tokens. One AccountsClient per accounts
// server (data centre); it holds no token itself.
#ifndef CRMSYNC_LIBS_ZOHO_ACCOUNTS_CLIENT_H_
#define CRMSYNC_LIBS_ZOHO_ACCOUNTS_CLIENT_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/http/http_client.h"
#include "libs/http/url.h"

namespace crmsync::zoho {

struct OAuthClient {
  std::string client_id;
  std::string client_secret;  // a secret: never log it
};

// A minted access token. `access_token` is a secret: never log it.
struct AccessToken {
  std::string access_token;
  absl::Duration expires_in;
  std::string api_domain;  // where this token's API calls go, e.g. "https://www.zohoapis.com"
  std::string token_type;
  std::optional<std::string> scope;
};

// What a grant code is exchanged for: a refresh token and the first access token minted from it.
// Both are secrets: never log them.
struct GrantTokens {
  std::string refresh_token;
  AccessToken access;
};

// Bounds of one call to the accounts server.
struct CallBounds {
  std::optional<absl::Duration> timeout;  // unset: the HTTP client's total timeout
  std::function<bool()> cancelled;        // polled during the call; true aborts it (CANCELLED)
};

// Parses the body of a token reply. A success gives the token; Zoho's error replies (which come
// with HTTP 200 or 400) give:
//   "invalid_code"   UNAUTHENTICATED: the refresh token is wrong or revoked; the grant is broken
//   "invalid_client" FAILED_PRECONDITION: wrong client id or secret, often the wrong data centre
//   "Access Denied"  RESOURCE_EXHAUSTED: too many mints for this refresh token; back off
//   any other error  UNKNOWN naming it
// each with Zoho's error string as ZohoErrorCode. A body that is neither is INVALID_ARGUMENT
// naming the field. `expires_in` counts seconds, unless the reply also has `expires_in_sec`,
// which then wins: Zoho's own SDKs read `expires_in` as milliseconds in such a reply.
absl::StatusOr<AccessToken> ParseTokenReply(absl::string_view body);

// Parses the body of a grant code exchange: as ParseTokenReply, plus the required
// `refresh_token`; "invalid_code" here means the grant code expired, was used already, or was
// issued to another client.
absl::StatusOr<GrantTokens> ParseGrantCodeReply(absl::string_view body);

class AccountsClient {
 public:
  // `accounts_server` is the base URL, e.g. "https://accounts.zoho.eu" (no trailing slash).
  AccountsClient(http::HttpClient& http, std::string accounts_server);

  // Mints an access token with the refresh_token grant (POST /oauth/v2/token, form body) within
  // `bounds`. The token's `api_domain` is where its API calls must go: the data centre's API
  // host, which need not be the one a grant was registered with. Errors as ParseTokenReply;
  // other HTTP failures as api_error.h (5xx UNAVAILABLE, 429 RESOURCE_EXHAUSTED); transport
  // failures, timeouts and cancellation as http_client.h.
  absl::StatusOr<AccessToken> Refresh(const OAuthClient& client, absl::string_view refresh_token,
                                      const CallBounds& bounds = {});

  // Exchanges the self-client grant `code` (authorization_code grant, POST /oauth/v2/token, form
  // body; a self client has no redirect URI) for a refresh token and a first access token. A code
  // works once: the call is never repeated after an unknown outcome. Errors as
  // ParseGrantCodeReply, other failures as Refresh.
  absl::StatusOr<GrantTokens> ExchangeGrantCode(const OAuthClient& client, absl::string_view code,
                                                const CallBounds& bounds = {});

  // Revokes `token` (a refresh token, and with it its access tokens; or one access token).
  // Revoking a token that is already invalid succeeds.
  absl::Status Revoke(absl::string_view token);

 private:
  // POSTs `form` to /oauth/v2/token and parses the reply with `parse`.
  template <typename Reply>
  absl::StatusOr<Reply> PostToken(http::Params form, const CallBounds& bounds, bool idempotent,
                                  absl::StatusOr<Reply> (*parse)(absl::string_view body));

  http::HttpClient& http_;
  const std::string accounts_server_;
};

}  // namespace crmsync::zoho

#endif  // CRMSYNC_LIBS_ZOHO_ACCOUNTS_CLIENT_H_

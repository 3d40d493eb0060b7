// The Zoho accounts servers as the auth domain sees them: mint and revoke against the accounts
// server a grant names. An interface so the domain is tested without HTTP.
#ifndef CRMSYNC_SERVICES_AUTH_ACCOUNTS_H_
#define CRMSYNC_SERVICES_AUTH_ACCOUNTS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/http/http_client.h"
#include "libs/zoho/accounts_client.h"

namespace crmsync::auth {

class Accounts {
 public:
  virtual ~Accounts() = default;
  // Mints an access token at `accounts_server_url` within `bounds`; errors as
  // zoho::AccountsClient::Refresh (invalid_code UNAUTHENTICATED, invalid_client
  // FAILED_PRECONDITION, throttle RESOURCE_EXHAUSTED, 5xx and transport UNAVAILABLE /
  // DEADLINE_EXCEEDED, aborted CANCELLED).
  virtual absl::StatusOr<zoho::AccessToken> Mint(absl::string_view accounts_server_url,
                                                 const zoho::OAuthClient& client,
                                                 absl::string_view refresh_token,
                                                 const zoho::CallBounds& bounds) = 0;
  // Revokes `refresh_token` at `accounts_server_url`.
  virtual absl::Status Revoke(absl::string_view accounts_server_url,
                              absl::string_view refresh_token) = 0;
};

// Accounts over libs/zoho's AccountsClient, one per call (it holds no state but the URL).
class ZohoAccounts : public Accounts {
 public:
  explicit ZohoAccounts(http::HttpClient& http) : http_(http) {}
  absl::StatusOr<zoho::AccessToken> Mint(absl::string_view accounts_server_url,
                                         const zoho::OAuthClient& client,
                                         absl::string_view refresh_token,
                                         const zoho::CallBounds& bounds) override {
    return zoho::AccountsClient(http_, std::string(accounts_server_url))
        .Refresh(client, refresh_token, bounds);
  }
  absl::Status Revoke(absl::string_view accounts_server_url,
                      absl::string_view refresh_token) override {
    return zoho::AccountsClient(http_, std::string(accounts_server_url)).Revoke(refresh_token);
  }

 private:
  http::HttpClient& http_;
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_ACCOUNTS_H_

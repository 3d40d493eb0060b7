#include "tools/crmsyncctl/grant_code.h"

#include <string>

#include "absl/strings/str_split.h"
#include "libs/common/status_macros.h"
#include "libs/http/http_client.h"
#include "libs/zoho/accounts_client.h"

namespace crmsync::ctl {

absl::Status CheckReadyForExchange(const auth::v1::RegisterGrantRequest& request) {
  if (request.accounts_server_url().empty()) {
    return absl::InvalidArgumentError("--accounts_server_url: required to exchange the grant code");
  }
  if (request.client_id().empty()) {
    return absl::InvalidArgumentError("--client_id: required to exchange the grant code");
  }
  if (request.client_secret().empty()) {
    return absl::InvalidArgumentError(
        "the client secret (CRMSYNC_CLIENT_SECRET or --client_secret_file) is required to "
        "exchange the grant code");
  }
  return absl::OkStatus();
}

absl::Status RedeemGrantCode(absl::string_view code, auth::v1::RegisterGrantRequest& request) {
  http::CurlHttpClient http;
  ASSIGN_OR_RETURN(zoho::GrantTokens tokens,
                   zoho::AccountsClient(http, request.accounts_server_url())
                       .ExchangeGrantCode({request.client_id(), request.client_secret()}, code));
  request.set_refresh_token(std::move(tokens.refresh_token));
  if (request.api_domain().empty()) request.set_api_domain(tokens.access.api_domain);
  if (request.scopes().empty() && tokens.access.scope.has_value()) {
    for (absl::string_view scope :
         absl::StrSplit(*tokens.access.scope, absl::ByAnyChar(" ,"), absl::SkipEmpty())) {
      request.add_scopes(std::string(scope));
    }
  }
  return absl::OkStatus();
}

absl::Status RevokeRedeemedToken(const auth::v1::RegisterGrantRequest& request) {
  http::CurlHttpClient http;
  return zoho::AccountsClient(http, request.accounts_server_url()).Revoke(request.refresh_token());
}

}  // namespace crmsync::ctl

#include "tools/crmsyncctl/grant_code.h"

#include <string>

#include "absl/strings/str_split.h"
#include "libs/common/status_macros.h"
#include "libs/http/http_client.h"
#include "libs/zoho/accounts_client.h"
#include "libs/zoho/hosts.h"

namespace crmsync::ctl {

absl::Status CheckReadyForExchange(const auth::v1::RegisterGrantRequest& request) {
  // The client secret and the code go there before auth sees the request, so crmsyncctl holds
  // the URL to auth's rule itself; a loopback host is this machine (zoho-sim).
  RETURN_IF_ERROR(zoho::CheckZohoUrl("--accounts_server_url", request.accounts_server_url(),
                                     zoho::ZohoHostKind::kAccountsServer,
                                     /*allow_loopback_http=*/true));
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

// `grant register` with a Zoho self client's grant code instead of a refresh token: crmsyncctl
// exchanges the code at the grant's accounts server itself and registers the refresh token it
// gets, so the operator never sees or copies a refresh token. Neither the code nor any token or
// secret ever reaches an error message.
#ifndef CRMSYNC_TOOLS_CRMSYNCCTL_GRANT_CODE_H_
#define CRMSYNC_TOOLS_CRMSYNCCTL_GRANT_CODE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "crmsync/auth/v1/auth.pb.h"

namespace crmsync::ctl {

// INVALID_ARGUMENT naming the flag (or the client secret's sources) when `request` lacks what an
// exchange needs: one of Zoho's accounts servers (or a loopback host), the client id and the
// client secret.
absl::Status CheckReadyForExchange(const auth::v1::RegisterGrantRequest& request);

// Exchanges `code` at request.accounts_server_url with the request's client, and sets the
// request's refresh token; and its api_domain and scopes from the reply where the request has
// none. The accounts server's refusal as libs/zoho's AccountsClient::ExchangeGrantCode
// (UNAUTHENTICATED for an expired, used or foreign code).
absl::Status RedeemGrantCode(absl::string_view code, auth::v1::RegisterGrantRequest& request);

// Revokes the request's refresh token at its accounts server: after an exchange whose grant was
// then not registered, so that no refresh token nobody holds stays alive at Zoho.
absl::Status RevokeRedeemedToken(const auth::v1::RegisterGrantRequest& request);

}  // namespace crmsync::ctl

#endif  // CRMSYNC_TOOLS_CRMSYNCCTL_GRANT_CODE_H_

// How a Zoho reply that is not a success becomes an absl::Status, the same way for the accounts
// server, CRM and Projects:
//   400 INVALID_ARGUMENT, 401 UNAUTHENTICATED (fetch a fresh token once), 403 PERMISSION_DENIED,
//   404 NOT_FOUND, 409 ALREADY_EXISTS, 412 FAILED_PRECONDITION, 429 RESOURCE_EXHAUSTED,
//   5xx UNAVAILABLE, anything else UNKNOWN.
// Zoho's own error code ("INVALID_OAUTHTOKEN", "TOO_MANY_REQUESTS", "invalid_code", a Projects
// number such as "6404") rides along as a payload, readable with ZohoErrorCode.
#ifndef CRMSYNC_LIBS_ZOHO_API_ERROR_H_
#define CRMSYNC_LIBS_ZOHO_API_ERROR_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libs/http/http_client.h"

namespace crmsync::zoho {

// The status for a non-2xx `response` to the call described by `what` ("CRM PUT Tasks").
// The message carries Zoho's code and message from the body when it has them; never the body.
absl::Status ErrorFromResponse(const http::Response& response, absl::string_view what);

// A status of `code` with `zoho_code` attached.
absl::Status ZohoError(absl::StatusCode code, absl::string_view zoho_code,
                       absl::string_view message);

// Adds "Authorization: Zoho-oauthtoken <access_token>", the header every CRM and Projects call
// carries.
void AddZohoAuthorization(http::Request& request, absl::string_view access_token);

// The Zoho error code attached to `status`, if any.
std::optional<std::string> ZohoErrorCode(const absl::Status& status);

}  // namespace crmsync::zoho

#endif  // CRMSYNC_LIBS_ZOHO_API_ERROR_H_

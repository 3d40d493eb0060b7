#include "libs/zoho/accounts_client.h"

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/http/url.h"
#include "libs/zoho/api_error.h"
#include "libs/zoho/json_fields.h"

namespace crmsync::zoho {
namespace {

absl::Status TokenError(absl::string_view error, absl::string_view description) {
  const std::string detail =
      description.empty() ? std::string(error) : absl::StrCat(error, ": ", description);
  if (error == "invalid_code") {
    return ZohoError(absl::StatusCode::kUnauthenticated, error,
                     absl::StrCat("refresh token wrong or revoked (", detail, ")"));
  }
  if (error == "invalid_client") {
    return ZohoError(
        absl::StatusCode::kFailedPrecondition, error,
        absl::StrCat("client id or secret wrong, or wrong data centre (", detail, ")"));
  }
  if (error == "Access Denied") {
    return ZohoError(absl::StatusCode::kResourceExhausted, error,
                     absl::StrCat("token mints throttled (", detail, ")"));
  }
  return ZohoError(absl::StatusCode::kUnknown, error,
                   absl::StrCat("accounts server error (", detail, ")"));
}

}  // namespace

absl::StatusOr<AccessToken> ParseTokenReply(absl::string_view body) {
  ASSIGN_OR_RETURN(Json json, ParseJson(body, "token reply"));
  if (!json.is_object()) return FieldError("token reply", "expected an object");
  ASSIGN_OR_RETURN(std::optional<std::string> error, OptionalString(json, "error", ""));
  if (error.has_value()) {
    ASSIGN_OR_RETURN(std::optional<std::string> description,
                     OptionalString(json, "error_description", ""));
    return TokenError(*error, description.value_or(""));
  }
  AccessToken token;
  ASSIGN_OR_RETURN(token.access_token, RequiredString(json, "access_token", ""));
  if (token.access_token.empty()) return FieldError("access_token", "empty");
  ASSIGN_OR_RETURN(int64_t expires_in, RequiredInt(json, "expires_in", ""));
  if (expires_in <= 0) return FieldError("expires_in", "not positive");
  token.expires_in = absl::Seconds(expires_in);
  ASSIGN_OR_RETURN(token.api_domain, RequiredString(json, "api_domain", ""));
  ASSIGN_OR_RETURN(token.token_type, RequiredString(json, "token_type", ""));
  ASSIGN_OR_RETURN(token.scope, OptionalString(json, "scope", ""));
  return token;
}

AccountsClient::AccountsClient(http::HttpClient& http, std::string accounts_server)
    : http_(http), accounts_server_(std::move(accounts_server)) {}

absl::StatusOr<AccessToken> AccountsClient::Refresh(const OAuthClient& client,
                                                    absl::string_view refresh_token,
                                                    const CallBounds& bounds) {
  http::Request request{
      .method = http::Method::kPost,
      .url = absl::StrCat(accounts_server_, "/oauth/v2/token"),
      .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
      .body = http::FormEncode({{"grant_type", "refresh_token"},
                                {"client_id", client.client_id},
                                {"client_secret", client.client_secret},
                                {"refresh_token", std::string(refresh_token)}}),
      .timeout = bounds.timeout,
      .cancelled = bounds.cancelled,
      // A lost reply wastes one of the ten mints per ten minutes but does no other harm.
      .post_is_idempotent = true};
  ASSIGN_OR_RETURN(http::Response response, http_.Send(request));
  // Zoho's token errors come as 200 or 400 with an "error" body; other statuses are transport.
  if (response.status == 200 || response.status == 400) {
    auto token = ParseTokenReply(response.body);
    if (token.ok() || response.status == 200 || ZohoErrorCode(token.status()).has_value()) {
      return token;
    }
  }
  return ErrorFromResponse(response, "accounts POST /oauth/v2/token");
}

absl::Status AccountsClient::Revoke(absl::string_view token) {
  http::Request request{
      .method = http::Method::kPost,
      .url = http::WithQuery(absl::StrCat(accounts_server_, "/oauth/v2/token/revoke"),
                             {{"token", std::string(token)}}),
      .post_is_idempotent = true};
  ASSIGN_OR_RETURN(http::Response response, http_.Send(request));
  if (response.status < 200 || response.status > 299) {
    return ErrorFromResponse(response, "accounts POST /oauth/v2/token/revoke");
  }
  if (!response.body.empty()) {
    ASSIGN_OR_RETURN(Json json, ParseJson(response.body, "revoke reply"));
    if (json.is_object() && json.contains("error")) {
      ASSIGN_OR_RETURN(std::string error, RequiredString(json, "error", ""));
      // The token is already unusable, which is what revoking it asks for.
      if (error == "invalid_code") return absl::OkStatus();
      return TokenError(error, "");
    }
  }
  return absl::OkStatus();
}

}  // namespace crmsync::zoho

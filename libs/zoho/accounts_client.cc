#include "libs/zoho/accounts_client.h"

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/http/url.h"
#include "libs/zoho/api_error.h"
#include "libs/zoho/json_fields.h"

namespace crmsync::zoho {
namespace {

// `invalid_code_means` says what "invalid_code" is about: the refresh token, or the grant code.
absl::Status TokenError(absl::string_view error, absl::string_view description,
                        absl::string_view invalid_code_means) {
  const std::string detail =
      description.empty() ? std::string(error) : absl::StrCat(error, ": ", description);
  if (error == "invalid_code") {
    return ZohoError(absl::StatusCode::kUnauthenticated, error,
                     absl::StrCat(invalid_code_means, " (", detail, ")"));
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

constexpr absl::string_view kRefreshTokenInvalid = "refresh token wrong or revoked";
constexpr absl::string_view kGrantCodeInvalid =
    "grant code expired, already used, or issued to another client";

// The reply as JSON, or Zoho's error as a status.
absl::StatusOr<Json> TokenReplyJson(absl::string_view body, absl::string_view invalid_code_means) {
  ASSIGN_OR_RETURN(Json json, ParseJson(body, "token reply"));
  if (!json.is_object()) return FieldError("token reply", "expected an object");
  ASSIGN_OR_RETURN(std::optional<std::string> error, OptionalString(json, "error", ""));
  if (error.has_value()) {
    ASSIGN_OR_RETURN(std::optional<std::string> description,
                     OptionalString(json, "error_description", ""));
    return TokenError(*error, description.value_or(""), invalid_code_means);
  }
  return json;
}

absl::StatusOr<AccessToken> AccessTokenFrom(const Json& json) {
  AccessToken token;
  ASSIGN_OR_RETURN(token.access_token, RequiredString(json, "access_token", ""));
  if (token.access_token.empty()) return FieldError("access_token", "empty");
  ASSIGN_OR_RETURN(std::optional<int64_t> expires_in_sec, OptionalInt(json, "expires_in_sec", ""));
  ASSIGN_OR_RETURN(int64_t expires_in, RequiredInt(json, "expires_in", ""));
  if (expires_in_sec.has_value()) expires_in = *expires_in_sec;
  if (expires_in <= 0) return FieldError("expires_in", "not positive");
  token.expires_in = absl::Seconds(expires_in);
  ASSIGN_OR_RETURN(token.api_domain, RequiredString(json, "api_domain", ""));
  ASSIGN_OR_RETURN(token.token_type, RequiredString(json, "token_type", ""));
  ASSIGN_OR_RETURN(token.scope, OptionalString(json, "scope", ""));
  return token;
}

}  // namespace

absl::StatusOr<AccessToken> ParseTokenReply(absl::string_view body) {
  ASSIGN_OR_RETURN(Json json, TokenReplyJson(body, kRefreshTokenInvalid));
  return AccessTokenFrom(json);
}

absl::StatusOr<GrantTokens> ParseGrantCodeReply(absl::string_view body) {
  ASSIGN_OR_RETURN(Json json, TokenReplyJson(body, kGrantCodeInvalid));
  GrantTokens tokens;
  ASSIGN_OR_RETURN(tokens.refresh_token, RequiredString(json, "refresh_token", ""));
  if (tokens.refresh_token.empty()) return FieldError("refresh_token", "empty");
  ASSIGN_OR_RETURN(tokens.access, AccessTokenFrom(json));
  return tokens;
}

AccountsClient::AccountsClient(http::HttpClient& http, std::string accounts_server)
    : http_(http), accounts_server_(std::move(accounts_server)) {}

template <typename Reply>
absl::StatusOr<Reply> AccountsClient::PostToken(
    http::Params form, const CallBounds& bounds, bool idempotent,
    absl::StatusOr<Reply> (*parse)(absl::string_view body)) {
  http::Request request{.method = http::Method::kPost,
                        .url = absl::StrCat(accounts_server_, "/oauth/v2/token"),
                        .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                        .body = http::FormEncode(form),
                        .timeout = bounds.timeout,
                        .cancelled = bounds.cancelled,
                        .post_is_idempotent = idempotent};
  ASSIGN_OR_RETURN(http::Response response, http_.Send(request));
  // Zoho's token errors come as 200 or 400 with an "error" body; other statuses are transport.
  if (response.status == 200 || response.status == 400) {
    auto reply = parse(response.body);
    if (reply.ok() || response.status == 200 || ZohoErrorCode(reply.status()).has_value()) {
      return reply;
    }
  }
  return ErrorFromResponse(response, "accounts POST /oauth/v2/token");
}

absl::StatusOr<AccessToken> AccountsClient::Refresh(const OAuthClient& client,
                                                    absl::string_view refresh_token,
                                                    const CallBounds& bounds) {
  // A lost reply wastes one of the ten mints per ten minutes but does no other harm.
  return PostToken<AccessToken>({{"grant_type", "refresh_token"},
                                 {"client_id", client.client_id},
                                 {"client_secret", client.client_secret},
                                 {"refresh_token", std::string(refresh_token)}},
                                bounds, /*idempotent=*/true, &ParseTokenReply);
}

absl::StatusOr<GrantTokens> AccountsClient::ExchangeGrantCode(const OAuthClient& client,
                                                              absl::string_view code,
                                                              const CallBounds& bounds) {
  // Repeating a code whose first exchange went through only gets invalid_code.
  return PostToken<GrantTokens>({{"grant_type", "authorization_code"},
                                 {"client_id", client.client_id},
                                 {"client_secret", client.client_secret},
                                 {"code", std::string(code)}},
                                bounds, /*idempotent=*/false, &ParseGrantCodeReply);
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
      return TokenError(error, "", kRefreshTokenInvalid);
    }
  }
  return absl::OkStatus();
}

}  // namespace crmsync::zoho

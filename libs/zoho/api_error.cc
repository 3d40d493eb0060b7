#include "libs/zoho/api_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace crmsync::zoho {
namespace {

constexpr absl::string_view kCodePayload = "crmsync.zoho/error-code";

absl::StatusCode CodeForHttpStatus(int status) {
  switch (status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAlreadyExists;
    case 412:
      return absl::StatusCode::kFailedPrecondition;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    default:
      return status >= 500 && status <= 599 ? absl::StatusCode::kUnavailable
                                            : absl::StatusCode::kUnknown;
  }
}

std::string ScalarText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return value.dump();
  return "";
}

}  // namespace

absl::Status ZohoError(absl::StatusCode code, absl::string_view zoho_code,
                       absl::string_view message) {
  absl::Status status(code, message);
  if (!zoho_code.empty()) status.SetPayload(kCodePayload, absl::Cord(zoho_code));
  return status;
}

void AddZohoAuthorization(http::Request& request, absl::string_view access_token) {
  request.headers.emplace_back("Authorization", absl::StrCat("Zoho-oauthtoken ", access_token));
}

std::optional<std::string> ZohoErrorCode(const absl::Status& status) {
  auto payload = status.GetPayload(kCodePayload);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

absl::Status ErrorFromResponse(const http::Response& response, absl::string_view what) {
  // The three APIs shape errors differently: CRM {"code","message"}, Projects
  // {"error":{"code","message"}}, accounts {"error":"...","error_description":"..."}.
  std::string zoho_code, zoho_message;
  const auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    if (auto it = body.find("code"); it != body.end()) zoho_code = ScalarText(*it);
    if (auto it = body.find("message"); it != body.end()) zoho_message = ScalarText(*it);
    if (auto it = body.find("error"); it != body.end()) {
      if (it->is_object()) {
        if (auto code = it->find("code"); code != it->end()) zoho_code = ScalarText(*code);
        if (auto message = it->find("message"); message != it->end()) {
          zoho_message = ScalarText(*message);
        }
      } else {
        zoho_code = ScalarText(*it);
      }
    }
    if (auto it = body.find("error_description"); it != body.end()) zoho_message = ScalarText(*it);
  }
  std::string message = absl::StrCat(what, ": HTTP ", response.status);
  if (!zoho_code.empty()) absl::StrAppend(&message, " ", zoho_code);
  if (!zoho_message.empty()) absl::StrAppend(&message, ": ", zoho_message);
  return ZohoError(CodeForHttpStatus(response.status), zoho_code, message);
}

}  // namespace crmsync::zoho

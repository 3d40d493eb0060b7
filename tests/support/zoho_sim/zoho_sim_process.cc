#include "tests/support/zoho_sim/zoho_sim_process.h"

#include "absl/strings/str_cat.h"
#include "libs/http/url.h"

namespace crmsync::testing {

absl::StatusOr<std::unique_ptr<ZohoSimProcess>> ZohoSimProcess::Start(
    const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"--port=0"};
  args.insert(args.end(), flags.begin(), flags.end());
  auto process = Subprocess::Start(absl::StrCat(CRMSYNC_BIN_DIR, "/zoho-sim"), args);
  if (!process.ok()) return process.status();
  auto port = (*process)->WaitForListeningPort();
  if (!port.ok()) return port.status();
  return std::unique_ptr<ZohoSimProcess>(new ZohoSimProcess(*std::move(process), *port));
}

ZohoSimProcess::ZohoSimProcess(std::unique_ptr<Subprocess> process, int port)
    : process_(std::move(process)),
      port_(port),
      base_url_(absl::StrCat("http://127.0.0.1:", port)) {}

absl::StatusOr<nlohmann::json> ZohoSimProcess::Control(http::Method method, absl::string_view path,
                                                       const nlohmann::json& body) {
  http::Request request{.method = method, .url = absl::StrCat(base_url_, path)};
  if (!body.is_null()) {
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body.dump();
  }
  auto response = http_.Send(request);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status > 299) {
    return absl::UnknownError(absl::StrCat("control ", http::MethodName(method), " ", path,
                                           ": HTTP ", response->status, " ", response->body));
  }
  if (response->body.empty()) return nlohmann::json(nullptr);
  auto json = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return absl::InternalError("control reply is not JSON");
  return json;
}

absl::StatusOr<std::string> ZohoSimProcess::SeedGrant(const std::string& client_id,
                                                      const std::string& client_secret,
                                                      const std::string& user_email,
                                                      const std::vector<std::string>& scopes) {
  auto client = Control(http::Method::kPost, "/_sim/oauth/clients",
                        {{"client_id", client_id}, {"client_secret", client_secret}});
  if (!client.ok()) return client.status();
  auto user = Control(http::Method::kPost, "/_sim/crm/users",
                      {{"email", user_email}, {"full_name", user_email}});
  if (!user.ok()) return user.status();
  auto grant = Control(http::Method::kPost, "/_sim/oauth/grants",
                       {{"client_id", client_id}, {"user_email", user_email}, {"scopes", scopes}});
  if (!grant.ok()) return grant.status();
  return (*grant)["refresh_token"].get<std::string>();
}

absl::StatusOr<std::string> ZohoSimProcess::MintAccessToken(const std::string& client_id,
                                                            const std::string& client_secret,
                                                            const std::string& refresh_token) {
  auto response = http_.Send({.method = http::Method::kPost,
                              .url = absl::StrCat(base_url_, "/oauth/v2/token"),
                              .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                              .body = http::FormEncode({{"grant_type", "refresh_token"},
                                                        {"client_id", client_id},
                                                        {"client_secret", client_secret},
                                                        {"refresh_token", refresh_token}})});
  if (!response.ok()) return response.status();
  auto json = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("access_token")) {
    return absl::UnknownError(absl::StrCat("mint failed: ", response->body));
  }
  return json["access_token"].get<std::string>();
}

}  // namespace crmsync::testing

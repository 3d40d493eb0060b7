// zoho-sim as a child process for integration tests: starts build/bin/zoho-sim on a free port,
// and drives its control API (tools/zoho-sim/README.md).
#ifndef CRMSYNC_TESTS_SUPPORT_ZOHO_SIM_ZOHO_SIM_PROCESS_H_
#define CRMSYNC_TESTS_SUPPORT_ZOHO_SIM_ZOHO_SIM_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/http/http_client.h"
#include "nlohmann/json.hpp"
#include "tests/support/process/subprocess.h"

namespace crmsync::testing {

class ZohoSimProcess {
 public:
  // Starts zoho-sim with `flags` (e.g. "--token_ttl_seconds=5") and waits until it listens.
  static absl::StatusOr<std::unique_ptr<ZohoSimProcess>> Start(
      const std::vector<std::string>& flags = {});

  int port() const { return port_; }
  // "http://127.0.0.1:<port>": the accounts server, CRM api_domain and Projects base alike.
  const std::string& base_url() const { return base_url_; }
  Subprocess& process() { return *process_; }

  // Calls the control API: `method` on base_url + `path` with `body` as JSON (none when null).
  // A non-2xx reply is an error status carrying the reply body.
  absl::StatusOr<nlohmann::json> Control(http::Method method, absl::string_view path,
                                         const nlohmann::json& body = nullptr);

  // Registers OAuth client `client_id`/`client_secret` and a grant for `user_email` (which also
  // becomes a CRM user) with `scopes` (empty: any); returns the refresh token.
  absl::StatusOr<std::string> SeedGrant(const std::string& client_id,
                                        const std::string& client_secret,
                                        const std::string& user_email,
                                        const std::vector<std::string>& scopes = {});

  // Mints an access token through the accounts endpoint.
  absl::StatusOr<std::string> MintAccessToken(const std::string& client_id,
                                              const std::string& client_secret,
                                              const std::string& refresh_token);

 private:
  ZohoSimProcess(std::unique_ptr<Subprocess> process, int port);

  std::unique_ptr<Subprocess> process_;
  int port_;
  std::string base_url_;
  http::CurlHttpClient http_;
};

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_ZOHO_SIM_ZOHO_SIM_PROCESS_H_

#include "tests/support/services/crmsync_services.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/crypto/aead.h"

namespace crmsync::testing {
namespace {

std::vector<std::string> Concat(std::vector<std::string> flags,
                                const std::vector<std::string>& extra) {
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

}  // namespace

std::vector<std::string> ServiceFlags(const std::string& database_url) {
  return {"--database_url=" + database_url, "--grpc_port=0", "--metrics_port=0",
          "--listen_host=127.0.0.1", "--health_check_interval=200ms"};
}

ServingBinary StartAuth(const std::string& database_url, const std::vector<std::string>& extra,
                        const std::string& encryption_keys) {
  std::vector<std::string> flags = ServiceFlags(database_url);
  flags.push_back("--allow_loopback_http");
  const std::string keys =
      encryption_keys.empty() ? crypto::KeySet::Generate("k1").Serialize() : encryption_keys;
  return StartServing(
      CRMSYNC_BIN_DIR "/crmsync-auth", Concat(std::move(flags), extra),
      {"CRMSYNC_ENCRYPTION_KEYS=" + std::string(absl::StripTrailingAsciiWhitespace(keys))});
}

ServingBinary StartMapping(const std::string& database_url, const std::string& auth_address,
                           const std::string& projects_api_url,
                           const std::vector<std::string>& extra) {
  std::vector<std::string> flags = ServiceFlags(database_url);
  flags.push_back("--auth_address=" + auth_address);
  flags.push_back("--projects_api_url=" + projects_api_url);
  return StartServing(CRMSYNC_BIN_DIR "/crmsync-mapping", Concat(std::move(flags), extra));
}

ServingBinary StartNotify(const std::string& database_url, const std::string& auth_address,
                          int smtp_port, const std::vector<std::string>& extra) {
  std::vector<std::string> flags = ServiceFlags(database_url);
  flags.push_back("--auth_address=" + auth_address);
  flags.push_back(absl::StrCat("--smtp_url=smtp://127.0.0.1:", smtp_port));
  flags.push_back("--mail_from=crmsync@example.com");
  flags.push_back("--send_idle_poll=50ms");
  return StartServing(CRMSYNC_BIN_DIR "/crmsync-notify", Concat(std::move(flags), extra));
}

}  // namespace crmsync::testing

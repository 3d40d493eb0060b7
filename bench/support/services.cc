#include "bench/support/services.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/crypto/aead.h"
#include "tests/libs/grpc_server/health_probe.h"
#include "tests/support/callers/callers.h"

namespace crmsync::bench {

absl::StatusOr<Service> StartService(const std::string& name, const std::string& database_url,
                                     std::vector<std::string> args,
                                     const std::vector<std::string>& env) {
  for (std::string common :
       {"--database_url=" + database_url, std::string("--grpc_port=0"),
        std::string("--metrics_port=0"), std::string("--listen_host=127.0.0.1")}) {
    args.push_back(std::move(common));
  }
  testing::SetCallerEnvironment();
  auto process = testing::Subprocess::Start(absl::StrCat(CRMSYNC_BIN_DIR, "/", name), args, env);
  if (!process.ok()) return process.status();
  auto listening = (*process)->WaitForLine(
      [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; }, absl::Seconds(20));
  if (!listening.ok()) return listening.status();
  const int port = (*listening)["grpc_port"].get<int>();
  if (!testing::WaitForHealth(port, "", grpc::health::v1::HealthCheckResponse::SERVING,
                              absl::Seconds(30))) {
    return absl::DeadlineExceededError(absl::StrCat(name, " not SERVING after 30 s"));
  }
  Service service;
  service.process = *std::move(process);
  service.address = absl::StrCat("127.0.0.1:", port);
  service.metrics_port = (*listening)["metrics_port"].get<int>();
  service.channel = testing::AdminChannel(service.address);
  service.service_channel = testing::ServiceChannel(service.address);
  return service;
}

absl::StatusOr<Service> StartAuth(const std::string& database_url, std::vector<std::string> args) {
  args.push_back("--allow_loopback_http");
  return StartService("crmsync-auth", database_url, std::move(args),
                      {"CRMSYNC_ENCRYPTION_KEYS=" +
                       std::string(absl::StripTrailingAsciiWhitespace(
                           crypto::KeySet::Generate("k1").Serialize()))});
}

const char* Verdict(bool met) { return met ? "met" : "NOT met"; }

}  // namespace crmsync::bench

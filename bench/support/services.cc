#include "bench/support/services.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "libs/crypto/aead.h"
#include "tests/libs/grpc_server/health_probe.h"
#include "tests/support/callers/callers.h"
#include "tests/support/process/free_port.h"

namespace crmsync::bench {

absl::StatusOr<Service> StartService(const std::string& name, const std::string& database_url,
                                     std::vector<std::string> args,
                                     const std::vector<std::string>& env, Logs logs) {
  int grpc_port = 0, metrics_port = 0;
  if (logs == Logs::kWarnings) {
    for (int* port : {&grpc_port, &metrics_port}) {
      auto free = testing::FreePort();
      if (!free.ok()) return free.status();
      *port = *free;
    }
    args.push_back("--log_level=warning");
  }
  for (std::string common :
       {"--database_url=" + database_url, absl::StrCat("--grpc_port=", grpc_port),
        absl::StrCat("--metrics_port=", metrics_port), std::string("--listen_host=127.0.0.1")}) {
    args.push_back(std::move(common));
  }
  testing::SetCallerEnvironment();
  auto process = testing::Subprocess::Start(absl::StrCat(CRMSYNC_BIN_DIR, "/", name), args, env);
  if (!process.ok()) return process.status();
  if (logs == Logs::kAll) {
    auto listening = (*process)->WaitForLine(
        [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; },
        absl::Seconds(20));
    if (!listening.ok()) return listening.status();
    grpc_port = (*listening)["grpc_port"].get<int>();
    metrics_port = (*listening)["metrics_port"].get<int>();
  }
  if (!testing::WaitForHealth(grpc_port, "", grpc::health::v1::HealthCheckResponse::SERVING,
                              absl::Seconds(30))) {
    return absl::DeadlineExceededError(absl::StrCat(
        name,
        " not SERVING after 30 s; it logged: ", absl::StrJoin((*process)->StderrLines(), "\n")));
  }
  Service service;
  service.name = name;
  service.idle = ReadMemory((*process)->pid());
  ResetPeakMemory((*process)->pid());
  service.process = *std::move(process);
  service.address = absl::StrCat("127.0.0.1:", grpc_port);
  service.metrics_port = metrics_port;
  service.channel = testing::AdminChannel(service.address);
  service.service_channel = testing::ServiceChannel(service.address);
  return service;
}

absl::StatusOr<Service> StartAuth(const std::string& database_url, std::vector<std::string> args) {
  args.push_back("--allow_loopback_http");
  return StartService(
      "crmsync-auth", database_url, std::move(args),
      {"CRMSYNC_ENCRYPTION_KEYS=" + std::string(absl::StripTrailingAsciiWhitespace(
                                        crypto::KeySet::Generate("k1").Serialize()))});
}

Memory ReportMemory(const Service& service, absl::string_view load) {
  const Memory now = ReadMemory(service.process->pid());
  ReportMemory(service.name, load, service.idle, now);
  return now;
}

}  // namespace crmsync::bench

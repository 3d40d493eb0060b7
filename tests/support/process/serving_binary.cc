#include "tests/support/process/serving_binary.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/libs/grpc_server/health_probe.h"
#include "tests/support/callers/callers.h"

namespace crmsync::testing {

ServingBinary StartServing(const std::string& binary, const std::vector<std::string>& args,
                           const std::vector<std::string>& env) {
  ServingBinary serving;
  SetCallerEnvironment();
  auto process = Subprocess::Start(binary, args, env);
  EXPECT_TRUE(process.ok()) << process.status();
  if (!process.ok()) return serving;
  serving.process = *std::move(process);
  auto line = serving.process->WaitForLine(
      [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; }, absl::Seconds(20));
  EXPECT_TRUE(line.ok()) << line.status();
  if (!line.ok()) return serving;
  const int port = (*line)["grpc_port"].get<int>();
  EXPECT_TRUE(
      WaitForHealth(port, "", grpc::health::v1::HealthCheckResponse::SERVING, absl::Seconds(20)))
      << binary << " did not report SERVING";
  serving.address = absl::StrCat("127.0.0.1:", port);
  serving.channel = AdminChannel(serving.address);
  serving.service_channel = ServiceChannel(serving.address);
  return serving;
}

}  // namespace crmsync::testing

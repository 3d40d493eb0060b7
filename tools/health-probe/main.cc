// crmsync-health-probe: asks a gRPC server's grpc.health.v1 service whether it is SERVING, for
// scripts and Kubernetes exec probes. Exit 0 when SERVING, 1 when not (or unreachable) by the
// end of --wait, 2 on bad flags. Over TLS when --tls_ca_file is set (presenting --tls_cert_file to
// a server that asks for a client certificate), so an exec probe inside a pod reaches a TLS
// server with the container's own CRMSYNC_TLS_* variables.
#include <grpcpp/grpcpp.h>

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "libs/common/flags.h"
#include "libs/grpc_client/caller_channel.h"

ABSL_FLAG(std::string, address, "127.0.0.1:50051", "host:port of the gRPC server.");
ABSL_FLAG(std::string, service, "", "Service to ask about; empty asks about the whole server.");
ABSL_FLAG(absl::Duration, wait, absl::ZeroDuration(),
          "Keep asking until SERVING or this long has passed (0: ask once).");

namespace {

constexpr char kSummary[] =
    "crmsync-health-probe: exit 0 when a gRPC server's health service says SERVING.";

// The status the server reports, or the name of the gRPC error that prevented an answer.
std::string AskOnce(grpc::health::v1::Health::Stub& stub, const std::string& service) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub.Check(&context, request, &response);
  if (!status.ok()) return "unreachable: " + status.error_message();
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

}  // namespace

int main(int argc, char** argv) {
  crmsync::ParseCommandLineOrExit(argc, argv, kSummary);
  const std::string address = absl::GetFlag(FLAGS_address);
  auto options = crmsync::ClientOptionsFromFlags();
  if (!options.ok()) return crmsync::ExitWithUsageError(options.status());
  auto channel = crmsync::CallerChannel(address, *options);
  if (!channel.ok()) return crmsync::ExitWithUsageError(channel.status());
  auto stub = grpc::health::v1::Health::NewStub(*channel);
  const absl::Time deadline = absl::Now() + absl::GetFlag(FLAGS_wait);
  std::string answer;
  while (true) {
    answer = AskOnce(*stub, absl::GetFlag(FLAGS_service));
    if (answer == "SERVING" || absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  std::cout << address << " " << answer << "\n";
  return answer == "SERVING" ? 0 : 1;
}

// Starting the crmsync binaries a benchmark drives: each on a database, on loopback ports of its
// own, with the test caller tokens (tests/support/callers), ready to call once its health service
// reports SERVING.
#ifndef CRMSYNC_BENCH_SUPPORT_SERVICES_H_
#define CRMSYNC_BENCH_SUPPORT_SERVICES_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/support/process/subprocess.h"

namespace crmsync::bench {

// A crmsync binary running for a benchmark.
struct Service {
  std::unique_ptr<testing::Subprocess> process;
  std::string address;  // 127.0.0.1:<grpc port>
  int metrics_port = 0;
  std::shared_ptr<grpc::Channel> channel;          // carries the ADMIN test token
  std::shared_ptr<grpc::Channel> service_channel;  // carries the SERVICE test token
};

// Starts build/bin/`name` on `database_url` with `args` beside its ports (gRPC and metrics picked
// free, on 127.0.0.1) and `env` ("NAME=value" entries: the secrets), waiting up to 20 s for it to
// listen and 30 s more for SERVING (its schema migrated). The test caller tokens are put into its
// environment first (SetCallerEnvironment). The error names what did not happen; the process is
// stopped with it.
absl::StatusOr<Service> StartService(const std::string& name, const std::string& database_url,
                                     std::vector<std::string> args,
                                     const std::vector<std::string>& env = {});

// crmsync-auth as StartService starts it, with a fresh encryption key, allowed to reach zoho-sim
// over plain loopback HTTP, plus `args`: the auth mapping, sync and notify are given as
// --auth_address.
absl::StatusOr<Service> StartAuth(const std::string& database_url,
                                  std::vector<std::string> args = {});

// "met" or "NOT met": how a benchmark prints a figure against its target.
const char* Verdict(bool met);

}  // namespace crmsync::bench

#endif  // CRMSYNC_BENCH_SUPPORT_SERVICES_H_

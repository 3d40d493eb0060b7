// A crmsync service binary started for an end-to-end test, ready to call: its gRPC port read
// from its "listening" log line, its health service reporting SERVING, and channels that carry
// the test caller tokens (tests/support/callers).
#ifndef CRMSYNC_TESTS_SUPPORT_PROCESS_SERVING_BINARY_H_
#define CRMSYNC_TESTS_SUPPORT_PROCESS_SERVING_BINARY_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process/subprocess.h"

namespace crmsync::testing {

struct ServingBinary {
  std::unique_ptr<Subprocess> process;
  std::string address;                             // 127.0.0.1:<grpc port>
  std::shared_ptr<grpc::Channel> channel;          // carries the ADMIN test token
  std::shared_ptr<grpc::Channel> service_channel;  // carries the SERVICE test token
};

// Starts `binary` with `args`, the test caller tokens in its environment (SetCallerEnvironment)
// plus `env` ("NAME=value" entries), and waits up to 20 s for each step. A failed step is a test
// failure (EXPECT) and leaves `channel` null, so callers ASSERT_NE(channel, nullptr).
ServingBinary StartServing(const std::string& binary, const std::vector<std::string>& args,
                           const std::vector<std::string>& env = {});

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_PROCESS_SERVING_BINARY_H_

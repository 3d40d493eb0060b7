#include "tests/support/callers/callers.h"

#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "libs/grpc_client/caller_channel.h"

namespace crmsync::testing {
namespace {

std::shared_ptr<grpc::Channel> ChannelWithToken(const std::string& address,
                                                const std::string& token) {
  ClientOptions options;
  options.caller_token = token;
  // Without TLS files CallerChannel cannot fail.
  return *CallerChannel(address, options);
}

}  // namespace

void SetCallerEnvironment() {
  ::setenv("CRMSYNC_BOOTSTRAP_ADMIN_TOKEN", kTestAdminToken, 1);
  ::setenv("CRMSYNC_SERVICE_TOKENS", absl::StrCat(kTestServiceName, ":", kTestServiceToken).c_str(),
           1);
  ::setenv("CRMSYNC_CALLER_TOKEN", kTestServiceToken, 1);
}

std::shared_ptr<grpc::Channel> AdminChannel(const std::string& address) {
  return ChannelWithToken(address, kTestAdminToken);
}

std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& address) {
  return ChannelWithToken(address, kTestServiceToken);
}

}  // namespace crmsync::testing

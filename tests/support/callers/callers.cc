#include "tests/support/callers/callers.h"

#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "libs/grpc_client/caller_channel.h"
#include "libs/grpc_server/caller_auth.h"

namespace crmsync::testing {

std::shared_ptr<grpc::Channel> ChannelWithToken(const std::string& address,
                                                const grpc::ChannelArguments& arguments,
                                                const std::string& token) {
  ClientOptions options;
  options.caller_token = token;
  // Without TLS files CallerChannel cannot fail.
  return *CallerChannel(address, options, arguments);
}

void SetCallerEnvironment() {
  ::setenv("CRMSYNC_BOOTSTRAP_ADMIN_TOKEN", kTestAdminToken, 1);
  ::setenv("CRMSYNC_SERVICE_TOKENS", absl::StrCat(kTestServiceName, ":", kTestServiceToken).c_str(),
           1);
  ::setenv("CRMSYNC_CALLER_TOKEN", kTestServiceToken, 1);
}

std::shared_ptr<grpc::Channel> AdminChannel(const std::string& address,
                                            const grpc::ChannelArguments& arguments) {
  return ChannelWithToken(address, arguments, kTestAdminToken);
}

std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& address,
                                              const grpc::ChannelArguments& arguments) {
  return ChannelWithToken(address, arguments, kTestServiceToken);
}

absl::StatusOr<Caller> TestCallers::Authenticate(absl::string_view token) {
  if (token == kTestAdminToken) return Caller{"test-admin", "test-admin", {CallerRole::kAdmin}, {}};
  if (token == kTestServiceToken) {
    return Caller{"test-service", kTestServiceName, {CallerRole::kService}, {}};
  }
  return absl::UnauthenticatedError(kPresentedTokenRefused);
}

JudgedServer::JudgedServer(const std::vector<grpc::Service*>& services, MethodRoles roles) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(MakeCallerAuthFactory(callers_, std::move(roles)));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  server_ = builder.BuildAndStart();
  address_ = absl::StrCat("127.0.0.1:", port);
}

JudgedServer::~JudgedServer() { server_->Shutdown(); }

}  // namespace crmsync::testing

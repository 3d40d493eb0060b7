// The caller tokens of crmsync's tests: fixed, test-only secrets that every service binary a test
// starts bootstraps (crmsync-auth keeps them as ACTIVE tokens) and calls the others with, the
// channels a test calls the services with, and in-process servers that judge their callers as the
// service binaries do, without auth.
#ifndef CRMSYNC_TESTS_SUPPORT_CALLERS_CALLERS_H_
#define CRMSYNC_TESTS_SUPPORT_CALLERS_CALLERS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "libs/grpc_server/caller_auth.h"

namespace crmsync::testing {

// Role ADMIN (CRMSYNC_BOOTSTRAP_ADMIN_TOKEN). Test-only: never use it anywhere else.
inline constexpr char kTestAdminToken[] = "crmsync-test-only-admin-token-not-a-secret";
// Role SERVICE, named kTestServiceName (CRMSYNC_SERVICE_TOKENS). Test-only as well.
inline constexpr char kTestServiceToken[] = "crmsync-test-only-service-token-not-a-secret";
inline constexpr char kTestServiceName[] = "tests";

// Puts into this process's environment, for every binary it starts from now on:
// CRMSYNC_BOOTSTRAP_ADMIN_TOKEN=kTestAdminToken, CRMSYNC_SERVICE_TOKENS=tests:kTestServiceToken
// and CRMSYNC_CALLER_TOKEN=kTestServiceToken (the token the services call each other with).
void SetCallerEnvironment();

// A plaintext channel to `address` ("host:port") with `arguments` whose every call carries
// `token` (none when empty).
std::shared_ptr<grpc::Channel> ChannelWithToken(const std::string& address,
                                                const grpc::ChannelArguments& arguments,
                                                const std::string& token);

// Plaintext channels to `address` ("host:port") with `arguments` whose every call carries the
// ADMIN, resp. the SERVICE, test token. ADMIN does not cover the SERVICE-only RPCs
// (GetAccessToken, AuthenticateCaller, NotifyFailure) and SERVICE does not cover the ADMIN ones.
std::shared_ptr<grpc::Channel> AdminChannel(
    const std::string& address, const grpc::ChannelArguments& arguments = grpc::ChannelArguments());
std::shared_ptr<grpc::Channel> ServiceChannel(
    const std::string& address, const grpc::ChannelArguments& arguments = grpc::ChannelArguments());

// Knows kTestAdminToken (ADMIN) and kTestServiceToken (SERVICE), and no other token: caller
// authentication for servers a test runs in its own process.
class TestCallers : public CallerAuthenticator {
 public:
  absl::StatusOr<Caller> Authenticate(absl::string_view token) override;
};

// An in-process gRPC server of `services` on a loopback port whose calls are judged by
// TestCallers against `roles`, as the service binaries judge theirs. The services must outlive
// it.
class JudgedServer {
 public:
  JudgedServer(const std::vector<grpc::Service*>& services, MethodRoles roles);
  ~JudgedServer();

  std::shared_ptr<grpc::Channel> admin_channel() const { return AdminChannel(address_); }
  std::shared_ptr<grpc::Channel> service_channel() const { return ServiceChannel(address_); }

 private:
  TestCallers callers_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_CALLERS_CALLERS_H_

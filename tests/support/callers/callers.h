// The caller tokens of crmsync's tests: fixed, test-only secrets that every service binary a test
// starts bootstraps (crmsync-auth keeps them as ACTIVE tokens) and calls the others with, and the
// channels a test calls the services with.
#ifndef CRMSYNC_TESTS_SUPPORT_CALLERS_CALLERS_H_
#define CRMSYNC_TESTS_SUPPORT_CALLERS_CALLERS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

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

// Plaintext channels to `address` ("host:port") whose every call carries the ADMIN, resp. the
// SERVICE, test token. ADMIN does not cover the SERVICE-only RPCs (GetAccessToken,
// AuthenticateCaller, NotifyFailure) and SERVICE does not cover the ADMIN ones.
std::shared_ptr<grpc::Channel> AdminChannel(const std::string& address);
std::shared_ptr<grpc::Channel> ServiceChannel(const std::string& address);

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_CALLERS_CALLERS_H_

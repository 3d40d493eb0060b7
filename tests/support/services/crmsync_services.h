// The crmsync service binaries as end-to-end tests start them: on a test database, on ports the
// kernel picks, with the test caller tokens (tests/support/callers), mapping, sync and notify
// judging their callers by the auth a test started first.
#ifndef CRMSYNC_TESTS_SUPPORT_SERVICES_CRMSYNC_SERVICES_H_
#define CRMSYNC_TESTS_SUPPORT_SERVICES_CRMSYNC_SERVICES_H_

#include <string>
#include <vector>

#include "tests/support/process/serving_binary.h"

namespace crmsync::testing {

// The flags every service binary of a test takes: --database_url, gRPC and metrics ports picked
// by the kernel, loopback only, health checked every 200 ms.
std::vector<std::string> ServiceFlags(const std::string& database_url);

// crmsync-auth with `encryption_keys` (a fresh key when empty; in its environment, as a secret
// belongs), allowed to reach zoho-sim over plain loopback HTTP, plus `extra` flags. A test that
// restarts auth passes the same keys again, so the grants it stored stay readable. Failures are
// test failures; check `channel` (see StartServing).
ServingBinary StartAuth(const std::string& database_url, const std::vector<std::string>& extra = {},
                        const std::string& encryption_keys = "");

// crmsync-mapping judged by auth at `auth_address`, reading Zoho Projects at `projects_api_url`.
ServingBinary StartMapping(const std::string& database_url, const std::string& auth_address,
                           const std::string& projects_api_url,
                           const std::vector<std::string>& extra = {});

// crmsync-notify judged by auth at `auth_address`, sending by plain SMTP to 127.0.0.1:`smtp_port`
// from crmsync@example.com, polling for work every 50 ms.
ServingBinary StartNotify(const std::string& database_url, const std::string& auth_address,
                          int smtp_port, const std::vector<std::string>& extra = {});

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_SERVICES_CRMSYNC_SERVICES_H_

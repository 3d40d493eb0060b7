// The caller tokens an operator gives auth in its environment, so that a deployment needs no
// manual step to get its first credentials:
//   CRMSYNC_BOOTSTRAP_ADMIN_TOKEN  one secret; role ADMIN (caller "bootstrap-admin")
//   CRMSYNC_SERVICE_TOKENS         "name:secret" pairs, comma-separated; role SERVICE (caller
//                                  "<name>"), e.g. for the other crmsync services
// Both act on every portal and never expire. They are read with getenv, never as flags, so that
// no secret shows in --help or in /proc/<pid>/cmdline. Auth keeps only their SHA-256
// (CallerTokens::StoreEnvironmentTokens).
#ifndef CRMSYNC_SERVICES_AUTH_ENVIRONMENT_TOKENS_H_
#define CRMSYNC_SERVICES_AUTH_ENVIRONMENT_TOKENS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/grpc_server/caller_auth.h"

namespace crmsync::auth {

inline constexpr char kBootstrapAdminTokenVariable[] = "CRMSYNC_BOOTSTRAP_ADMIN_TOKEN";
inline constexpr char kServiceTokensVariable[] = "CRMSYNC_SERVICE_TOKENS";

// One caller token from the environment.
struct EnvironmentToken {
  std::string caller_token_id;  // "bootstrap-admin", "service-<name>"
  std::string caller_name;      // "bootstrap-admin", "<name>"
  CallerRole role;
  std::string secret;  // never logged
};

// The tokens the two variables' values give (an empty value gives none). A secret is 32 to 1024
// visible ASCII characters (no spaces, and no comma in CRMSYNC_SERVICE_TOKENS); a name 1 to 50
// of a-z, 0-9 and '-'; names and secrets are unique. INVALID_ARGUMENT names the variable and the
// problem, and the entry by its position: it never carries a secret, nor a name (which could be
// a secret in the wrong place).
absl::StatusOr<std::vector<EnvironmentToken>> ParseEnvironmentTokens(
    absl::string_view bootstrap_admin_token, absl::string_view service_tokens);

// ParseEnvironmentTokens of this process's environment; an unset variable gives none.
absl::StatusOr<std::vector<EnvironmentToken>> EnvironmentTokens();

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_ENVIRONMENT_TOKENS_H_

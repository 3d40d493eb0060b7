// Caller credentials of crmsync's own callers: issue (the token is shown once; only its SHA-256
// is stored), revoke, list, keep those the operator gives in the environment
// (environment_tokens.h), and authenticate a presented token by its SHA-256. Issued token strings
// are "cst_<caller_token_id>_<43 web-safe base64 characters of 256 random bits>"; tokens from the
// environment are whatever the operator chose.
#ifndef CRMSYNC_SERVICES_AUTH_CALLER_TOKENS_H_
#define CRMSYNC_SERVICES_AUTH_CALLER_TOKENS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/common/clock.h"
#include "libs/grpc_server/caller_auth.h"
#include "services/auth/environment_tokens.h"

namespace crmsync::auth {

enum class CallerTokenState { kActive, kRevoked, kExpired };

// The role a stored name (CallerRoleName's) stands for; INTERNAL for a name that is none.
absl::StatusOr<CallerRole> CallerRoleFromName(absl::string_view name);
absl::string_view CallerTokenStateName(CallerTokenState state);

// A caller token's metadata and digest, as stored.
struct CallerToken {
  std::string caller_token_id;
  std::string caller_name;
  std::vector<CallerRole> roles;
  std::vector<std::string> portal_ids;
  std::string token_sha256;
  absl::Time create_time;
  std::optional<absl::Time> expire_time;
  std::optional<absl::Time> revoke_time;

  CallerTokenState StateAt(absl::Time now) const;
};

struct CallerTokenPage {
  std::vector<CallerToken> caller_tokens;
  std::string next_page_token;
};

// What PutEnvironmentTokens changed, by caller token id.
struct EnvironmentTokenChanges {
  std::vector<std::string> stored;   // inserted, or given a new digest
  std::vector<std::string> revoked;  // no longer in the environment
};

// Where caller tokens are kept (PgStore).
class CallerTokenStore {
 public:
  virtual ~CallerTokenStore() = default;
  virtual absl::Status InsertCallerToken(const CallerToken& token) = 0;
  // The unrevoked token whose token_sha256 is `sha256`; NOT_FOUND when there is none.
  virtual absl::StatusOr<CallerToken> FindCallerToken(const std::string& sha256) = 0;
  // Sets revoke_time to `now` unless already set; NOT_FOUND when unknown.
  virtual absl::StatusOr<CallerToken> RevokeCallerToken(const std::string& id, absl::Time now) = 0;
  // Newest first, after (`after_time`, `after_id`) when given, in `state` (nullopt: any) at `now`.
  virtual absl::StatusOr<std::vector<CallerToken>> ListCallerTokens(
      std::optional<CallerTokenState> state, absl::Time now,
      std::optional<std::pair<absl::Time, std::string>> after, int limit) = 0;
  // Makes the tokens from the environment match `tokens` (ids, names, roles and digests; every
  // portal, no expiry), in one transaction that replicas take in turn: a new one is inserted;
  // one whose digest changed gets the new digest and is unrevoked, created at `now`; an
  // unchanged one keeps its state; every other unrevoked token from the environment is revoked
  // at `now`. Issued tokens are untouched. ALREADY_EXISTS when a digest is that of another
  // unrevoked token.
  virtual absl::StatusOr<EnvironmentTokenChanges> PutEnvironmentTokens(
      const std::vector<CallerToken>& tokens, absl::Time now) = 0;
};

struct IssuedCallerToken {
  CallerToken caller_token;
  std::string token;  // a secret: returned once, never logged
};

class CallerTokens {
 public:
  CallerTokens(CallerTokenStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  // Issues a token; `roles` and `portal_ids` are already validated. INVALID_ARGUMENT
  // (expire_time) when `expire_time` is not in the future.
  absl::StatusOr<IssuedCallerToken> Issue(const std::string& caller_name,
                                          std::vector<CallerRole> roles,
                                          std::vector<std::string> portal_ids,
                                          std::optional<absl::Time> expire_time);
  absl::StatusOr<CallerToken> Revoke(const std::string& caller_token_id);
  absl::StatusOr<CallerTokenPage> List(std::optional<CallerTokenState> state, int page_size,
                                       absl::string_view page_token);
  // The ACTIVE token whose SHA-256 is that of `token`; UNAUTHENTICATED (saying nothing more)
  // otherwise.
  absl::StatusOr<CallerToken> Authenticate(absl::string_view token);
  // Keeps `tokens`, and no other token from the environment, as PutEnvironmentTokens says.
  // FAILED_PRECONDITION when a secret is that of an issued token.
  absl::Status StoreEnvironmentTokens(const std::vector<EnvironmentToken>& tokens);

  absl::Time Now() const { return clock_.Now(); }

 private:
  std::string NewId();

  CallerTokenStore& store_;
  const Clock& clock_;
  absl::Mutex random_mutex_;
  absl::BitGen random_ ABSL_GUARDED_BY(random_mutex_);
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_CALLER_TOKENS_H_

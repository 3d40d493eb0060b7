#include "services/auth/caller_tokens.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/crypto/digest.h"
#include "services/auth/grant.h"

namespace crmsync::auth {
namespace {

constexpr absl::string_view kPrefix = "cst_";

absl::Status Unauthenticated() {
  return absl::UnauthenticatedError("the caller token is not valid");
}

std::string Fingerprint(std::optional<CallerTokenState> state) {
  return state ? std::string(CallerTokenStateName(*state)) : "*";
}

}  // namespace

absl::StatusOr<CallerRole> CallerRoleFromName(absl::string_view name) {
  for (CallerRole role :
       {CallerRole::kReader, CallerRole::kWriter, CallerRole::kAdmin, CallerRole::kService}) {
    if (CallerRoleName(role) == name) return role;
  }
  return absl::InternalError(absl::StrCat("unknown stored caller role ", name));
}

absl::string_view CallerTokenStateName(CallerTokenState state) {
  switch (state) {
    case CallerTokenState::kActive:
      return "ACTIVE";
    case CallerTokenState::kRevoked:
      return "REVOKED";
    case CallerTokenState::kExpired:
      return "EXPIRED";
  }
  return "ACTIVE";
}

CallerTokenState CallerToken::StateAt(absl::Time now) const {
  if (revoke_time) return CallerTokenState::kRevoked;
  if (expire_time && *expire_time <= now) return CallerTokenState::kExpired;
  return CallerTokenState::kActive;
}

std::string CallerTokens::NewId() {
  absl::MutexLock lock(&random_mutex_);
  const uint64_t high = absl::Uniform<uint64_t>(random_);
  const uint64_t low = absl::Uniform<uint64_t>(random_);
  // A version-4 UUID.
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0x0fff, 0x8000 | ((low >> 48) & 0x3fff), low & 0xffffffffffff);
}

absl::StatusOr<IssuedCallerToken> CallerTokens::Issue(const std::string& caller_name,
                                                      std::vector<CallerRole> roles,
                                                      std::vector<std::string> portal_ids,
                                                      std::optional<absl::Time> expire_time) {
  const absl::Time now = clock_.Now();
  if (expire_time && *expire_time <= now) {
    return absl::InvalidArgumentError("expire_time: must be in the future");
  }
  IssuedCallerToken issued;
  CallerToken& token = issued.caller_token;
  token.caller_token_id = NewId();
  token.caller_name = caller_name;
  token.roles = std::move(roles);
  token.portal_ids = std::move(portal_ids);
  // Stored times have microsecond precision; the answer must match what a later read returns.
  token.create_time = absl::FromUnixMicros(absl::ToUnixMicros(now));
  if (expire_time) token.expire_time = absl::FromUnixMicros(absl::ToUnixMicros(*expire_time));
  issued.token = absl::StrCat(kPrefix, token.caller_token_id, "_",
                              absl::WebSafeBase64Escape(crypto::RandomBytes(32)));
  token.token_sha256 = crypto::Sha256Hex(issued.token);
  RETURN_IF_ERROR(store_.InsertCallerToken(token));
  LogInfo("caller token issued",
          {{"caller_token_id", token.caller_token_id}, {"caller_name", token.caller_name}});
  return issued;
}

absl::StatusOr<CallerToken> CallerTokens::Revoke(const std::string& caller_token_id) {
  ASSIGN_OR_RETURN(CallerToken token, store_.RevokeCallerToken(caller_token_id, clock_.Now()));
  LogInfo("caller token revoked", {{"caller_token_id", caller_token_id}});
  return token;
}

absl::StatusOr<CallerTokenPage> CallerTokens::List(std::optional<CallerTokenState> state,
                                                   int page_size, absl::string_view page_token) {
  ASSIGN_OR_RETURN(int limit, EffectivePageSize(page_size));
  std::optional<std::pair<absl::Time, std::string>> after;
  if (!page_token.empty()) {
    std::string raw;
    std::vector<std::string> parts;
    if (absl::WebSafeBase64Unescape(page_token, &raw)) {
      parts = absl::StrSplit(raw, absl::MaxSplits('\n', 2));
    }
    int64_t micros = 0;
    if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &micros) || parts[1].empty()) {
      return absl::InvalidArgumentError("page_token: malformed");
    }
    if (parts[2] != Fingerprint(state)) {
      return absl::InvalidArgumentError("page_token: issued for a different filter");
    }
    after.emplace(absl::FromUnixMicros(micros), parts[1]);
  }
  ASSIGN_OR_RETURN(std::vector<CallerToken> tokens,
                   store_.ListCallerTokens(state, clock_.Now(), after, limit + 1));
  CallerTokenPage page;
  if (static_cast<int>(tokens.size()) > limit) {
    tokens.resize(limit);
    const CallerToken& last = tokens.back();
    page.next_page_token =
        absl::WebSafeBase64Escape(absl::StrCat(absl::ToUnixMicros(last.create_time), "\n",
                                               last.caller_token_id, "\n", Fingerprint(state)));
  }
  page.caller_tokens = std::move(tokens);
  return page;
}

absl::StatusOr<CallerToken> CallerTokens::Authenticate(absl::string_view token) {
  const std::string sha256 = crypto::Sha256Hex(token);
  absl::StatusOr<CallerToken> stored = store_.FindCallerToken(sha256);
  if (absl::IsNotFound(stored.status())) return Unauthenticated();
  if (!stored.ok()) return stored.status();
  if (!crypto::ConstantTimeEquals(sha256, stored->token_sha256) ||
      stored->StateAt(clock_.Now()) != CallerTokenState::kActive) {
    return Unauthenticated();
  }
  return stored;
}

absl::Status CallerTokens::StoreEnvironmentTokens(const std::vector<EnvironmentToken>& tokens) {
  const absl::Time now = absl::FromUnixMicros(absl::ToUnixMicros(clock_.Now()));
  std::vector<CallerToken> rows;
  for (const EnvironmentToken& token : tokens) {
    CallerToken& row = rows.emplace_back();
    row.caller_token_id = token.caller_token_id;
    row.caller_name = token.caller_name;
    row.roles = {token.role};
    row.token_sha256 = crypto::Sha256Hex(token.secret);
    row.create_time = now;
  }
  absl::StatusOr<EnvironmentTokenChanges> changes = store_.PutEnvironmentTokens(rows, now);
  if (absl::IsAlreadyExists(changes.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("a secret of ", kBootstrapAdminTokenVariable, " or ", kServiceTokensVariable,
                     " is that of an issued caller token: choose another"));
  }
  if (!changes.ok()) return changes.status();
  LogInfo("caller tokens from the environment stored",
          {{"tokens", static_cast<int64_t>(tokens.size())},
           {"stored", absl::StrJoin(changes->stored, " ")},
           {"revoked", absl::StrJoin(changes->revoked, " ")}});
  return absl::OkStatus();
}

}  // namespace crmsync::auth

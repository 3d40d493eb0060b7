#include "services/auth/token_vendor.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/zoho/api_error.h"

namespace crmsync::auth {
namespace {

std::string Describe(const GrantKey& key) {
  return absl::StrCat("portal ", key.portal_id, " side ", SideName(key.side));
}

nlohmann::json LogFields(const GrantKey& key) {
  return {{"portal_id", key.portal_id}, {"side", std::string(SideName(key.side))}};
}

}  // namespace

TokenVendor::TokenVendor(AuthStore& store, Accounts& accounts, const crypto::KeySet& keys,
                         const Clock& clock, AuthMetrics& metrics, VendorOptions options)
    : store_(store),
      accounts_(accounts),
      keys_(keys),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)) {}

std::optional<absl::StatusOr<VendedToken>> TokenVendor::FromMemory(
    const GrantKey& key, const std::vector<std::string>& scopes, absl::string_view rejected) {
  SnapshotPtr snapshot;
  {
    absl::ReaderMutexLock lock(&mutex_);
    if (auto it = entries_.find(key); it != entries_.end()) snapshot = it->second->snapshot;
  }
  const absl::Time now = clock_.Now();
  if (snapshot == nullptr || now >= snapshot->loaded_at + options_.memory_ttl) return std::nullopt;
  auto answer = Answer(*snapshot, scopes, rejected, options_.refresh_margin, now);
  if (!answer) return std::nullopt;
  if (answer->ok()) metrics_.CacheHit(TokenTier::kMemory).Increment();
  metrics_.TokenRequest(answer->status().code()).Increment();
  return answer;
}

absl::StatusOr<VendedToken> TokenVendor::GetAccessToken(const GrantKey& key,
                                                        const std::vector<std::string>& scopes,
                                                        absl::string_view rejected) {
  if (auto answer = FromMemory(key, scopes, rejected)) return *answer;
  auto vend = [&]() -> absl::StatusOr<VendedToken> {
    const std::string rejected_token(rejected);
    // A shared flight may have served a caller with other needs (another rejected token): then
    // this caller runs a flight of its own.
    for (int round = 0; round < 3; ++round) {
      bool led = false;
      auto flight = Flight(
          key, [&] { return Load(key, scopes, rejected_token); }, /*skip_if_busy=*/false, &led);
      if (!flight->ok()) return flight->status();
      if (auto answer = Answer(***flight, scopes, rejected, UsableFloor(), clock_.Now())) {
        return *answer;
      }
      if (led) break;
    }
    return absl::UnavailableError(
        absl::StrCat("no valid access token for ", Describe(key), " could be obtained; retry"));
  };
  absl::StatusOr<VendedToken> result = vend();
  metrics_.TokenRequest(result.status().code()).Increment();
  return result;
}

std::optional<absl::StatusOr<VendedToken>> TokenVendor::Answer(
    const Snapshot& snapshot, const std::vector<std::string>& scopes, absl::string_view rejected,
    absl::Duration min_left, absl::Time now) const {
  if (!snapshot.found) return absl::NotFoundError("no grant for this portal and side");
  if (auto missing = MissingScope(snapshot.scopes, scopes)) {
    return absl::PermissionDeniedError(
        absl::StrCat("scopes: the grant does not hold scope ", *missing));
  }
  if (snapshot.state == GrantState::kBroken) {
    return absl::FailedPreconditionError(
        absl::StrCat("the grant is BROKEN (", snapshot.broken_reason,
                     "); an admin must register a new refresh token"));
  }
  if (snapshot.token && snapshot.token->access_token != rejected &&
      snapshot.token->expire_time - now > min_left) {
    return *snapshot.token;
  }
  return std::nullopt;
}

std::optional<absl::StatusOr<TokenVendor::SnapshotPtr>> TokenVendor::Flight(
    const GrantKey& key, const std::function<absl::StatusOr<SnapshotPtr>()>& fill,
    bool skip_if_busy, bool* led) {
  // Waiters hold the entry itself, so it may leave the map while they wait.
  std::shared_ptr<Entry> entry;
  {
    absl::MutexLock lock(&mutex_);
    std::shared_ptr<Entry>& slot = entries_[key];
    if (slot == nullptr) slot = std::make_shared<Entry>();
    entry = slot;
    if (entry->in_flight) {
      if (skip_if_busy) return std::nullopt;
      const uint64_t generation = entry->generation;
      while (entry->generation == generation) flight_done_.Wait(&mutex_);
      return entry->last_result;
    }
    entry->in_flight = true;
  }
  absl::StatusOr<SnapshotPtr> result = fill();
  {
    absl::MutexLock lock(&mutex_);
    entry->in_flight = false;
    ++entry->generation;
    entry->last_result = result;
    if (result.ok() && !(*result)->found) {
      // Unknown keys are not remembered: callers cannot grow the map with made-up portals.
      if (auto it = entries_.find(key); it != entries_.end() && it->second == entry) {
        entries_.erase(it);
      }
    } else if (result.ok()) {
      entry->snapshot = *result;
    }
  }
  flight_done_.SignalAll();
  if (led != nullptr) *led = true;
  return result;
}

absl::StatusOr<TokenVendor::SnapshotPtr> TokenVendor::Load(const GrantKey& key,
                                                           const std::vector<std::string>& scopes,
                                                           const std::string& rejected) {
  const absl::Time now = clock_.Now();
  absl::StatusOr<Grant> grant = store_.GetGrant(key);
  if (absl::IsNotFound(grant.status())) {
    auto missing = std::make_shared<Snapshot>();
    missing->found = false;
    missing->loaded_at = now;
    return missing;
  }
  if (!grant.ok()) return grant.status();
  ASSIGN_OR_RETURN(SnapshotPtr snapshot, SnapshotOf(*grant, now));
  if (snapshot->state == GrantState::kBroken || MissingScope(snapshot->scopes, scopes)) {
    return snapshot;
  }
  if (snapshot->token && snapshot->token->access_token != rejected &&
      snapshot->token->expire_time - now > options_.refresh_margin) {
    metrics_.CacheHit(TokenTier::kPostgres).Increment();
    return snapshot;
  }
  absl::StatusOr<SnapshotPtr> refreshed = Refresh(key, rejected, options_.refresh_margin);
  if (refreshed.ok() && (*refreshed)->token) metrics_.CacheHit(TokenTier::kMint).Increment();
  return refreshed;
}

absl::StatusOr<TokenVendor::SnapshotPtr> TokenVendor::Refresh(const GrantKey& key,
                                                              const std::string& rejected,
                                                              absl::Duration renew_before) {
  for (int attempt = 1;; ++attempt) {
    bool retry = false;
    absl::StatusOr<SnapshotPtr> result = RefreshOnce(key, rejected, renew_before, retry);
    if (result.ok() || !retry || attempt >= options_.refresh_attempts) return result;
    absl::Duration delay;
    {
      std::lock_guard lock(random_mutex_);
      delay = BackoffDelay(options_.backoff, attempt, random_);
    }
    options_.sleep(delay);
  }
}

absl::StatusOr<TokenVendor::SnapshotPtr> TokenVendor::RefreshOnce(const GrantKey& key,
                                                                  const std::string& rejected,
                                                                  absl::Duration renew_before,
                                                                  bool& retry) {
  const absl::Time now = clock_.Now();
  absl::StatusOr<SnapshotPtr> result = absl::InternalError("refresh did not run");
  absl::Status status = store_.RefreshLocked(
      key, now, options_.mint_window, [&](const LockedGrant& locked) -> RefreshWrite {
        retry = false;
        RefreshWrite write;
        absl::StatusOr<SnapshotPtr> current = SnapshotOf(locked.grant, now);
        if (!current.ok()) {
          result = current.status();
          return write;
        }
        const Snapshot& snapshot = **current;
        if (snapshot.state == GrantState::kBroken) {
          result = *current;
          return write;
        }
        auto token_left = [&](absl::Duration least) {
          return snapshot.token && snapshot.token->access_token != rejected &&
                 snapshot.token->expire_time - now > least;
        };
        if (token_left(renew_before)) {
          metrics_.Refresh(RefreshResult::kReused).Increment();
          result = *current;
          return write;
        }
        // Failures keep the current token while it is still usable.
        const bool fallback = token_left(UsableFloor());
        auto fail = [&](absl::Status error, bool retryable) {
          if (fallback) {
            result = *current;
          } else {
            result = std::move(error);
            retry = retryable;
          }
        };
        if (locked.mints_in_window >= options_.max_mints_per_window) {
          metrics_.Refresh(RefreshResult::kBudgetSpent).Increment();
          fail(absl::ResourceExhaustedError(absl::StrCat(
                   "the grant made its ", options_.max_mints_per_window, " mints in the last ",
                   absl::FormatDuration(options_.mint_window), "; retry later")),
               false);
          return write;
        }
        auto client_secret =
            keys_.Open(locked.grant.client_secret_sealed, SealContext(key, "client_secret"));
        auto refresh_token =
            keys_.Open(locked.grant.refresh_token_sealed, SealContext(key, "refresh_token"));
        if (!client_secret.ok() || !refresh_token.ok()) {
          metrics_.Refresh(RefreshResult::kError).Increment();
          const absl::Status& bad =
              client_secret.ok() ? refresh_token.status() : client_secret.status();
          fail(absl::FailedPreconditionError(
                   absl::StrCat("the grant's secrets cannot be decrypted: ", bad.message())),
               false);
          return write;
        }
        const absl::Time start = clock_.Now();
        absl::StatusOr<zoho::AccessToken> minted =
            accounts_.Mint(locked.grant.accounts_server_url,
                           {locked.grant.client_id, *client_secret}, *refresh_token);
        metrics_.refresh_seconds.Observe(absl::ToDoubleSeconds(clock_.Now() - start));
        if (minted.ok()) {
          VendedToken token{
              minted->access_token, now + minted->expires_in,
              minted->api_domain.empty() ? locked.grant.api_domain : minted->api_domain};
          absl::StatusOr<std::string> sealed =
              keys_.Seal(token.access_token, SealContext(key, "access_token"));
          if (!sealed.ok()) {
            metrics_.Refresh(RefreshResult::kError).Increment();
            fail(sealed.status(), false);
            return write;
          }
          write.minted = StoredToken{*sealed, token.expire_time, token.api_domain};
          metrics_.Refresh(RefreshResult::kMinted).Increment();
          metrics_.mints_in_window.Observe(locked.mints_in_window + 1);
          auto next = std::make_shared<Snapshot>(snapshot);
          next->token = std::move(token);
          result = next;
          nlohmann::json fields = LogFields(key);
          fields["expire_time"] = absl::FormatTime(next->token->expire_time);
          fields["mints_in_window"] = locked.mints_in_window + 1;
          LogInfo("access token minted", fields);
          return write;
        }
        const absl::Status& error = minted.status();
        switch (error.code()) {
          case absl::StatusCode::kUnauthenticated:
          case absl::StatusCode::kFailedPrecondition: {
            const std::string code = zoho::ZohoErrorCode(error).value_or(
                error.code() == absl::StatusCode::kUnauthenticated ? "invalid_code"
                                                                   : "invalid_client");
            const std::string reason = absl::StrCat(code, ": ", error.message());
            write.broken = GrantBreak{reason, NewFailureId()};
            metrics_.Refresh(RefreshResult::kBroken).Increment();
            auto next = std::make_shared<Snapshot>(snapshot);
            next->state = GrantState::kBroken;
            next->broken_reason = reason;
            next->token.reset();
            result = next;
            nlohmann::json fields = LogFields(key);
            fields["reason"] = reason;
            LogWarning("grant broken", fields);
            return write;
          }
          case absl::StatusCode::kResourceExhausted:
            metrics_.Refresh(RefreshResult::kThrottled).Increment();
            fail(absl::ResourceExhaustedError(
                     "Zoho throttles token mints for this grant (Access Denied); retry after "
                     "backoff"),
                 true);
            break;
          case absl::StatusCode::kUnavailable:
          case absl::StatusCode::kDeadlineExceeded:
            metrics_.Refresh(RefreshResult::kTransient).Increment();
            fail(absl::UnavailableError(
                     absl::StrCat("the accounts server is unreachable: ", error.message())),
                 true);
            break;
          default:
            metrics_.Refresh(RefreshResult::kError).Increment();
            fail(absl::UnavailableError(
                     absl::StrCat("the accounts server failed the mint: ", error.message())),
                 true);
            break;
        }
        nlohmann::json fields = LogFields(key);
        fields["code"] = absl::StatusCodeToString(error.code());
        fields["error"] = std::string(error.message());
        LogWarning("access token mint failed", fields);
        return write;
      });
  if (absl::IsNotFound(status)) {
    auto missing = std::make_shared<Snapshot>();
    missing->found = false;
    missing->loaded_at = now;
    return missing;
  }
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<int> TokenVendor::RefreshDue() {
  const absl::Duration ahead = options_.refresh_margin + options_.refresh_lookahead;
  const absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(std::vector<GrantKey> keys, store_.GrantsToRefresh(now + ahead));
  int renewed = 0;
  for (const GrantKey& key : keys) {
    auto flight = Flight(
        key, [&] { return Refresh(key, "", ahead); }, /*skip_if_busy=*/true, nullptr);
    if (!flight) continue;
    if (flight->ok() && (**flight)->token && (**flight)->token->expire_time - now > ahead) {
      ++renewed;
    } else if (!flight->ok()) {
      nlohmann::json fields = LogFields(key);
      fields["error"] = flight->status().ToString();
      LogWarning("background refresh failed", fields);
    }
  }
  ASSIGN_OR_RETURN(int64_t broken, store_.CountBrokenGrants());
  metrics_.broken_grants.Set(static_cast<double>(broken));
  return renewed;
}

void TokenVendor::Forget(const GrantKey& key) {
  absl::MutexLock lock(&mutex_);
  entries_.erase(key);
}

absl::StatusOr<TokenVendor::SnapshotPtr> TokenVendor::SnapshotOf(const Grant& grant,
                                                                 absl::Time now) const {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->scopes = grant.scopes;
  snapshot->state = grant.state;
  snapshot->broken_reason = grant.broken_reason;
  snapshot->loaded_at = now;
  if (grant.state == GrantState::kActive && grant.access_token_sealed &&
      grant.access_token_expire_time) {
    absl::StatusOr<std::string> token =
        keys_.Open(*grant.access_token_sealed, SealContext(grant.key, "access_token"));
    if (token.ok()) {
      snapshot->token =
          VendedToken{*std::move(token), *grant.access_token_expire_time, grant.api_domain};
    } else {
      // An undecryptable cached token is only a cache miss: a new one is minted.
      nlohmann::json fields = LogFields(grant.key);
      fields["error"] = std::string(token.status().message());
      LogWarning("cached access token cannot be decrypted", fields);
    }
  }
  return snapshot;
}

std::string TokenVendor::NewFailureId() {
  std::lock_guard lock(random_mutex_);
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(random_),
                         absl::Uniform<uint64_t>(random_));
}

}  // namespace crmsync::auth

#include "services/auth/token_vendor.h"

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/http/http_client.h"
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
                                                        absl::string_view rejected,
                                                        absl::Time deadline) {
  if (auto answer = FromMemory(key, scopes, rejected)) return *answer;
  if (deadline == absl::InfiniteFuture()) deadline = absl::Now() + options_.default_wait;
  auto vend = [&]() -> absl::StatusOr<VendedToken> {
    const std::string rejected_token(rejected);
    // A shared flight may have served a caller with other needs (another rejected token, a
    // shorter deadline): then this caller runs a flight of its own.
    for (int round = 0; round < 3; ++round) {
      bool led = false;
      auto flight = Flight(
          key, [&] { return Load(key, scopes, rejected_token, deadline); },
          /*skip_if_busy=*/false, deadline, &led);
      if (!flight->ok()) {
        if (!led && absl::IsDeadlineExceeded(flight->status()) && absl::Now() < deadline) {
          continue;
        }
        return flight->status();
      }
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
  if (HasToken(snapshot, rejected, min_left, now)) return *snapshot.token;
  return std::nullopt;
}

std::optional<absl::StatusOr<TokenVendor::SnapshotPtr>> TokenVendor::Flight(
    const GrantKey& key, const std::function<absl::StatusOr<SnapshotPtr>()>& fill,
    bool skip_if_busy, absl::Time deadline, bool* led) {
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
      while (entry->generation == generation) {
        if (flight_done_.WaitWithDeadline(&mutex_, deadline) && entry->generation == generation) {
          return OutOfTime(absl::StrCat("the refresh of the token of ", Describe(key),
                                        " in progress in this process did not end"));
        }
      }
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
                                                           const std::string& rejected,
                                                           absl::Time deadline) {
  const absl::Time now = clock_.Now();
  absl::StatusOr<Grant> grant = store_.GetGrant(key, std::min(deadline, Cutoff()));
  if (absl::IsNotFound(grant.status())) return Missing(now);
  if (!grant.ok()) return grant.status();
  SnapshotPtr snapshot = SnapshotOf(*grant, now);
  if (snapshot->state == GrantState::kBroken || MissingScope(snapshot->scopes, scopes)) {
    return snapshot;
  }
  if (HasToken(*snapshot, rejected, options_.refresh_margin, now)) {
    metrics_.CacheHit(TokenTier::kPostgres).Increment();
    return snapshot;
  }
  absl::StatusOr<SnapshotPtr> refreshed =
      Refresh(key, rejected, options_.refresh_margin, deadline, /*wait_if_held=*/true);
  if (refreshed.ok() && (*refreshed)->token) metrics_.CacheHit(TokenTier::kMint).Increment();
  return refreshed;
}

absl::StatusOr<TokenVendor::SnapshotPtr> TokenVendor::Refresh(const GrantKey& key,
                                                              const std::string& rejected,
                                                              absl::Duration renew_before,
                                                              absl::Time deadline,
                                                              bool wait_if_held) {
  for (int attempt = 1;; ++attempt) {
    bool retry = false;
    absl::StatusOr<SnapshotPtr> result =
        RefreshOnce(key, rejected, renew_before, deadline, wait_if_held, retry);
    if (result.ok() || !retry || attempt >= options_.refresh_attempts) return result;
    absl::Duration delay;
    {
      std::lock_guard lock(random_mutex_);
      delay = BackoffDelay(options_.backoff, attempt, random_);
    }
    if (absl::Now() + delay >= std::min(deadline, Cutoff())) return result;
    options_.sleep(delay);
  }
}

absl::StatusOr<TokenVendor::SnapshotPtr> TokenVendor::RefreshOnce(const GrantKey& key,
                                                                  const std::string& rejected,
                                                                  absl::Duration renew_before,
                                                                  absl::Time deadline,
                                                                  bool wait_if_held, bool& retry) {
  retry = false;
  // Held for the whole attempt: a mint in flight keeps its slot until its lease ends.
  const bool slot = TakeMintSlot();
  absl::Cleanup return_slot = [&] {
    if (slot) ReturnMintSlot();
  };
  for (int poll = 1;; ++poll) {
    const absl::Time until = std::min(deadline, Cutoff());
    const absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return OutOfTime(absl::StrCat("no new token for ", Describe(key), " before the deadline"));
    }
    const absl::Time now = clock_.Now();
    const absl::Duration timeout = std::min(options_.accounts_timeout, left);
    SnapshotPtr current;
    LeaseStep step = LeaseStep::kTake;
    absl::StatusOr<LeaseOutcome> outcome = store_.LeaseRefresh(
        key, now, options_.mint_window,
        {options_.lease_owner, now + timeout + options_.lease_slack},
        [&](const LockedGrant& locked) {
          current = SnapshotOf(locked.grant, now);
          step = DecideLease(*current, locked, rejected, renew_before, now, slot);
          return step == LeaseStep::kTake;
        },
        until);
    if (absl::IsNotFound(outcome.status())) return Missing(now);
    if (!outcome.ok()) return outcome.status();
    metrics_
        .Lease(step == LeaseStep::kTake    ? LeaseResult::kTaken
               : step == LeaseStep::kHeld  ? LeaseResult::kHeld
               : step == LeaseStep::kFresh ? LeaseResult::kFresh
                                           : LeaseResult::kDeclined)
        .Increment();
    // Failures keep the current token while it is still usable.
    const bool fallback = HasToken(*current, rejected, UsableFloor(), now);
    switch (step) {
      case LeaseStep::kBroken:
        return current;
      case LeaseStep::kFresh:
        metrics_.Refresh(RefreshResult::kReused).Increment();
        return current;
      case LeaseStep::kBudgetSpent:
        metrics_.Refresh(RefreshResult::kBudgetSpent).Increment();
        if (fallback) return current;
        return absl::ResourceExhaustedError(absl::StrCat(
            "the grant made its ", options_.max_mints_per_window, " mints in the last ",
            absl::FormatDuration(options_.mint_window), "; retry later"));
      case LeaseStep::kNoCapacity:
        if (fallback) return current;
        return absl::UnavailableError(
            absl::StrCat("this replica already has ", options_.max_concurrent_mints,
                         " token mints waiting on slow accounts servers; retry"));
      case LeaseStep::kHeld: {
        if (!wait_if_held) return current;
        const absl::Duration pause =
            std::min(BackoffCeiling(options_.lease_poll, poll), until - absl::Now());
        if (pause <= absl::ZeroDuration()) {
          if (fallback) return current;
          return OutOfTime(absl::StrCat("another caller is refreshing the token of ", Describe(key),
                                        " and no new token came in time"));
        }
        absl::SleepFor(pause);
        continue;
      }
      case LeaseStep::kTake:
        if (auto minted = MintUnderLease(outcome->locked, *outcome->fence, current, timeout,
                                         fallback, retry)) {
          return *minted;
        }
        continue;  // the lease was lost meanwhile: read the grant again
    }
  }
}

std::optional<absl::StatusOr<TokenVendor::SnapshotPtr>> TokenVendor::MintUnderLease(
    const LockedGrant& locked, int64_t fence, const SnapshotPtr& current, absl::Duration timeout,
    bool fallback, bool& retry) {
  const GrantKey& key = locked.grant.key;
  const absl::Time now = clock_.Now();
  auto fail = [&](absl::Status error, bool retryable) -> absl::StatusOr<SnapshotPtr> {
    if (fallback) return current;
    retry = retryable;
    return error;
  };
  RefreshWrite write;
  absl::StatusOr<SnapshotPtr> result = absl::InternalError("the mint did not run");
  auto client_secret =
      keys_.Open(locked.grant.client_secret_sealed, SealContext(key, "client_secret"));
  auto refresh_token =
      keys_.Open(locked.grant.refresh_token_sealed, SealContext(key, "refresh_token"));
  if (!client_secret.ok() || !refresh_token.ok()) {
    metrics_.Refresh(RefreshResult::kError).Increment();
    const absl::Status& bad = client_secret.ok() ? refresh_token.status() : client_secret.status();
    write.uncount_mint = true;
    result = fail(absl::FailedPreconditionError(
                      absl::StrCat("the grant's secrets cannot be decrypted: ", bad.message())),
                  false);
  } else {
    const absl::Time start = clock_.Now();
    // No transaction is open here: the lease, committed, is all that keeps other callers out.
    absl::StatusOr<zoho::AccessToken> minted = accounts_.Mint(
        locked.grant.accounts_server_url, {locked.grant.client_id, *client_secret}, *refresh_token,
        {.timeout = timeout, .cancelled = [this] { return absl::Now() >= Cutoff(); }});
    metrics_.refresh_seconds.Observe(absl::ToDoubleSeconds(clock_.Now() - start));
    // The reply names the data centre's API host, where this token's calls must go: a host that is
    // not Zoho's would receive the token, so the token is dropped (and not retried: the accounts
    // server would name it again).
    const absl::Status api_host =
        !minted.ok() || minted->api_domain.empty()
            ? absl::OkStatus()
            : CheckZohoUrl("api_domain", minted->api_domain, ZohoHostKind::kApiDomain,
                           options_.allow_loopback_http);
    if (!api_host.ok()) {
      metrics_.Refresh(RefreshResult::kError).Increment();
      nlohmann::json fields = LogFields(key);
      fields["error"] = std::string(api_host.message());
      LogWarning("access token mint named an untrusted api_domain; token dropped", fields);
      result = fail(absl::UnavailableError(absl::StrCat(
                        "the accounts server answered with an untrusted ", api_host.message())),
                    false);
    } else if (minted.ok()) {
      VendedToken token{minted->access_token, now + minted->expires_in,
                        minted->api_domain.empty() ? locked.grant.api_domain : minted->api_domain};
      absl::StatusOr<std::string> sealed =
          keys_.Seal(token.access_token, SealContext(key, "access_token"));
      if (!sealed.ok()) {
        metrics_.Refresh(RefreshResult::kError).Increment();
        result = fail(sealed.status(), false);
      } else {
        write.minted = StoredToken{*sealed, token.expire_time, token.api_domain};
        metrics_.Refresh(RefreshResult::kMinted).Increment();
        metrics_.mints_in_window.Observe(locked.mints_in_window + 1);
        auto next = std::make_shared<Snapshot>(*current);
        next->token = std::move(token);
        result = next;
      }
    } else {
      const absl::Status& error = minted.status();
      switch (error.code()) {
        case absl::StatusCode::kUnauthenticated:
        case absl::StatusCode::kFailedPrecondition: {
          const std::string code = zoho::ZohoErrorCode(error).value_or(
              error.code() == absl::StatusCode::kUnauthenticated ? "invalid_code"
                                                                 : "invalid_client");
          const std::string reason = absl::StrCat(code, ": ", error.message());
          write.broken = GrantBreak{reason, NewFailureId()};
          write.uncount_mint = true;
          metrics_.Refresh(RefreshResult::kBroken).Increment();
          auto next = std::make_shared<Snapshot>(*current);
          next->state = GrantState::kBroken;
          next->broken_reason = reason;
          next->token.reset();
          result = next;
          break;
        }
        case absl::StatusCode::kResourceExhausted:
          metrics_.Refresh(RefreshResult::kThrottled).Increment();
          write.uncount_mint = true;  // a throttle reply mints nothing
          result = fail(absl::ResourceExhaustedError(
                            "Zoho throttles token mints for this grant (Access Denied); retry "
                            "after backoff"),
                        true);
          break;
        case absl::StatusCode::kCancelled:
          metrics_.Refresh(RefreshResult::kTransient).Increment();
          result = fail(
              OutOfTime(absl::StrCat("the mint of a token for ", Describe(key), " was abandoned")),
              false);
          break;
        case absl::StatusCode::kUnavailable:
        case absl::StatusCode::kDeadlineExceeded:
          metrics_.Refresh(RefreshResult::kTransient).Increment();
          write.uncount_mint = http::NotSent(error);
          result = fail(absl::UnavailableError(
                            absl::StrCat("the accounts server is unreachable: ", error.message())),
                        true);
          break;
        default:
          metrics_.Refresh(RefreshResult::kError).Increment();
          result = fail(absl::UnavailableError(
                            absl::StrCat("the accounts server failed the mint: ", error.message())),
                        true);
          break;
      }
      nlohmann::json fields = LogFields(key);
      fields["code"] = absl::StatusCodeToString(error.code());
      fields["error"] = std::string(error.message());
      LogWarning("access token mint failed", fields);
    }
  }
  // Even past the caller's deadline the lease is ended (and a minted token kept) at once.
  absl::StatusOr<bool> ended =
      store_.FinishRefresh(key, fence, write, clock_.Now(), absl::Now() + options_.lease_slack);
  if (!ended.ok()) {
    nlohmann::json fields = LogFields(key);
    fields["error"] = ended.status().ToString();
    LogWarning("refresh lease could not be ended; it expires by itself", fields);
    return fail(ended.status(), false);
  }
  if (!*ended) {
    LogWarning("refresh lease was lost during the mint; reading the grant again", LogFields(key));
    return std::nullopt;
  }
  nlohmann::json fields = LogFields(key);
  if (write.minted) {
    fields["expire_time"] = absl::FormatTime(write.minted->expire_time);
    fields["mints_in_window"] = locked.mints_in_window + 1;
    LogInfo("access token minted", fields);
  } else if (write.broken) {
    fields["reason"] = write.broken->reason;
    LogWarning("grant broken", fields);
  }
  return result;
}

absl::StatusOr<int> TokenVendor::RefreshDue() {
  const absl::Duration ahead = options_.refresh_margin + options_.refresh_lookahead;
  const absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(std::vector<GrantKey> keys, store_.GrantsToRefresh(now + ahead));
  int renewed = 0;
  for (const GrantKey& key : keys) {
    auto flight = Flight(
        key,
        [&] { return Refresh(key, "", ahead, absl::InfiniteFuture(), /*wait_if_held=*/false); },
        /*skip_if_busy=*/true, absl::InfiniteFuture(), nullptr);
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

void TokenVendor::StopBy(absl::Time cutoff) { cutoff_micros_.store(absl::ToUnixMicros(cutoff)); }

absl::Status TokenVendor::OutOfTime(absl::string_view what) const {
  if (absl::Now() >= Cutoff()) {
    return absl::UnavailableError(
        absl::StrCat("auth is shutting down: ", what, "; retry on another replica"));
  }
  return absl::DeadlineExceededError(what);
}

bool TokenVendor::TakeMintSlot() {
  if (mints_in_flight_.fetch_add(1) < options_.max_concurrent_mints) return true;
  mints_in_flight_.fetch_sub(1);
  return false;
}

TokenVendor::SnapshotPtr TokenVendor::Missing(absl::Time now) {
  auto missing = std::make_shared<Snapshot>();
  missing->found = false;
  missing->loaded_at = now;
  return missing;
}

bool TokenVendor::HasToken(const Snapshot& snapshot, absl::string_view rejected,
                           absl::Duration least, absl::Time now) {
  return snapshot.token && snapshot.token->access_token != rejected &&
         snapshot.token->expire_time - now > least;
}

TokenVendor::LeaseStep TokenVendor::DecideLease(const Snapshot& current, const LockedGrant& locked,
                                                absl::string_view rejected,
                                                absl::Duration renew_before, absl::Time now,
                                                bool slot) const {
  if (current.state == GrantState::kBroken) return LeaseStep::kBroken;
  if (HasToken(current, rejected, renew_before, now)) return LeaseStep::kFresh;
  if (locked.lease_until && *locked.lease_until > now) return LeaseStep::kHeld;
  if (locked.mints_in_window >= options_.max_mints_per_window) return LeaseStep::kBudgetSpent;
  if (!slot) return LeaseStep::kNoCapacity;
  return LeaseStep::kTake;
}

TokenVendor::SnapshotPtr TokenVendor::SnapshotOf(const Grant& grant, absl::Time now) const {
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

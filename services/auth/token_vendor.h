// Vends each grant's one shared access token: from memory, else from Postgres, else by one
// refresh that is single-flight within the process (one leader per grant, the others wait for
// its result) and across replicas (a refresh lease in Postgres, taken in a short transaction and
// committed before the accounts server is called, so no transaction or row lock is held during
// the call; other replicas re-read until the holder stores its token, and take the lease over
// once it expires, when its holder died).
//
// Zoho's limits are kept here: at most `max_mints_per_window` mints per grant per `mint_window`
// (counted in Postgres with the lease, so shared by replicas and kept through a crash during the
// call); the "Access Denied" throttle and transient failures are retried with backoff;
// invalid_code / invalid_client break the grant and queue a failure for its owner. While a
// refresh fails transiently, the current token is still vended as long as it stays valid.
//
// Every wait is bounded: by the caller's deadline (or `default_wait`), a mint call by
// min(`accounts_timeout`, time left), and after StopBy's cutoff nothing waits or calls.
#ifndef CRMSYNC_SERVICES_AUTH_TOKEN_VENDOR_H_
#define CRMSYNC_SERVICES_AUTH_TOKEN_VENDOR_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/common/backoff.h"
#include "libs/common/clock.h"
#include "libs/crypto/aead.h"
#include "services/auth/accounts.h"
#include "services/auth/auth_metrics.h"
#include "services/auth/grant.h"
#include "services/auth/store.h"

namespace crmsync::auth {

struct VendorOptions {
  // A token is vended only with more than this left; the refresher renews tokens before that.
  absl::Duration refresh_margin = absl::Minutes(5);
  // How far ahead of the margin the background refresher renews (its interval, with slack), so
  // callers do not wait on the accounts server in steady state.
  absl::Duration refresh_lookahead = absl::Minutes(1);
  // How long a grant read from Postgres is trusted in memory; bounds how long a replica serves a
  // grant another replica revoked or replaced.
  absl::Duration memory_ttl = absl::Seconds(10);
  // While refreshes fail transiently, a token with at least this left is still vended.
  absl::Duration min_usable_lifetime = absl::Seconds(30);
  absl::Duration mint_window = absl::Minutes(10);
  int max_mints_per_window = 10;
  // Refresh attempts (each under its own lease) per refresh, on throttle and transient failures.
  int refresh_attempts = 3;
  BackoffPolicy backoff = {absl::Milliseconds(200), absl::Seconds(2), 2.0};
  // Waits between attempts; tests make it instant.
  std::function<void(absl::Duration)> sleep = [](absl::Duration d) { absl::SleepFor(d); };
  // Longest call to the accounts server; a caller's deadline shortens it.
  absl::Duration accounts_timeout = absl::Seconds(10);
  // A refresh lease lasts the call's timeout plus this (time to store the token, clock skew
  // between replicas); a lease its holder never ended is taken over after it.
  absl::Duration lease_slack = absl::Seconds(5);
  // The bound of a GetAccessToken call without a deadline.
  absl::Duration default_wait = absl::Seconds(15);
  // Intervals of re-reading a grant whose lease another holder has.
  BackoffPolicy lease_poll = {absl::Milliseconds(20), absl::Milliseconds(500), 2.0};
  // Mints in flight in this process at once, so a hanging accounts server holds only that many
  // of the threads that serve tokens; a refresh beyond it is UNAVAILABLE at once.
  int max_concurrent_mints = 4;
  // Names this process in the leases it takes (host and pid), for operators.
  std::string lease_owner = "auth";
  // As CheckZohoUrl's, for the api_domain each mint returns (zoho-sim listens on loopback).
  bool allow_loopback_http = false;
};

// A token as vended. `access_token` is a secret: never log it.
struct VendedToken {
  std::string access_token;
  absl::Time expire_time;
  std::string api_domain;
};

class TokenVendor {
 public:
  // All references must outlive the vendor.
  TokenVendor(AuthStore& store, Accounts& accounts, const crypto::KeySet& keys, const Clock& clock,
              AuthMetrics& metrics, VendorOptions options);

  // The grant's token for `scopes` (validated, non-empty), answered by `deadline` (real time;
  // InfiniteFuture: within default_wait). `rejected` is a token the caller saw refused: when it
  // is the current one, it is replaced (one mint shared by all reporters). NOT_FOUND,
  // PERMISSION_DENIED (names the scope), FAILED_PRECONDITION (BROKEN, with the reason),
  // RESOURCE_EXHAUSTED (throttled or budget spent), UNAVAILABLE per the proto;
  // DEADLINE_EXCEEDED when no token came in time.
  absl::StatusOr<VendedToken> GetAccessToken(const GrantKey& key,
                                             const std::vector<std::string>& scopes,
                                             absl::string_view rejected, absl::Time deadline);

  // GetAccessToken's answer when this process's memory holds it (a usable token, or a final
  // error such as PERMISSION_DENIED); nullopt when answering needs Postgres or a refresh.
  // Never blocks on I/O, so a gRPC callback thread may call it.
  std::optional<absl::StatusOr<VendedToken>> FromMemory(const GrantKey& key,
                                                        const std::vector<std::string>& scopes,
                                                        absl::string_view rejected);

  // Renews every ACTIVE grant's token that has less than refresh_margin + refresh_lookahead
  // left. Returns how many grants now hold a renewed token.
  absl::StatusOr<int> RefreshDue();

  // Drops what this process remembers of `key` (after it was replaced or deleted here).
  void Forget(const GrantKey& key);

  // From `cutoff` (real time) on, mints in flight are aborted (their leases released) and no
  // call waits or mints any more: UNAVAILABLE. A draining process calls it with the end of its
  // grace period.
  void StopBy(absl::Time cutoff);

 private:
  // What this process knows of a grant: its scopes and state, and its token in clear.
  struct Snapshot {
    bool found = true;
    std::vector<std::string> scopes;
    GrantState state = GrantState::kActive;
    std::string broken_reason;
    std::optional<VendedToken> token;
    absl::Time loaded_at;
  };
  using SnapshotPtr = std::shared_ptr<const Snapshot>;
  struct Entry {
    SnapshotPtr snapshot;
    bool in_flight = false;
    uint64_t generation = 0;
    absl::StatusOr<SnapshotPtr> last_result = absl::UnknownError("no flight yet");
  };

  // The answer `snapshot` gives: a token, an error, or nullopt when it holds no token usable
  // for this caller (one with more than `min_left` remaining, other than `rejected`).
  std::optional<absl::StatusOr<VendedToken>> Answer(const Snapshot& snapshot,
                                                    const std::vector<std::string>& scopes,
                                                    absl::string_view rejected,
                                                    absl::Duration min_left, absl::Time now) const;
  // How a lease round trip ended for this caller.
  enum class LeaseStep { kTake, kFresh, kHeld, kBroken, kBudgetSpent, kNoCapacity };
  // Runs `fill` as the one flight of `key`, or waits (until `deadline`) for the flight in
  // progress and shares its result. With `skip_if_busy`, returns nullopt instead of waiting.
  std::optional<absl::StatusOr<SnapshotPtr>> Flight(
      const GrantKey& key, const std::function<absl::StatusOr<SnapshotPtr>()>& fill,
      bool skip_if_busy, absl::Time deadline, bool* led);
  // Postgres, then a refresh when the stored token is not usable.
  absl::StatusOr<SnapshotPtr> Load(const GrantKey& key, const std::vector<std::string>& scopes,
                                   const std::string& rejected, absl::Time deadline);
  // Refresh attempts with backoff; a stored token with more than `renew_before` left (and not
  // `rejected`) is reused instead of minting. While another holder has the lease, waits for its
  // token until `deadline` when `wait_if_held`, else returns what is stored.
  absl::StatusOr<SnapshotPtr> Refresh(const GrantKey& key, const std::string& rejected,
                                      absl::Duration renew_before, absl::Time deadline,
                                      bool wait_if_held);
  // One attempt: leases, mints and stores; sets `retry` when it failed in a way worth retrying.
  absl::StatusOr<SnapshotPtr> RefreshOnce(const GrantKey& key, const std::string& rejected,
                                          absl::Duration renew_before, absl::Time deadline,
                                          bool wait_if_held, bool& retry);
  // The mint under lease `fence`, then its end; nullopt when the lease was lost meanwhile (the
  // grant is then read again).
  std::optional<absl::StatusOr<SnapshotPtr>> MintUnderLease(const LockedGrant& locked,
                                                            int64_t fence,
                                                            const SnapshotPtr& current,
                                                            absl::Duration timeout, bool fallback,
                                                            bool& retry);
  // What this caller does with the grant as LeaseRefresh read it. Pure: it may run twice.
  LeaseStep DecideLease(const Snapshot& current, const LockedGrant& locked,
                        absl::string_view rejected, absl::Duration renew_before, absl::Time now,
                        bool slot) const;
  static SnapshotPtr Missing(absl::Time now);
  // Whether `snapshot` holds a token other than `rejected` with more than `least` left.
  static bool HasToken(const Snapshot& snapshot, absl::string_view rejected, absl::Duration least,
                       absl::Time now);
  // UNAVAILABLE once StopBy's cutoff has passed, else DEADLINE_EXCEEDED naming `what`.
  absl::Status OutOfTime(absl::string_view what) const;
  absl::Time Cutoff() const { return absl::FromUnixMicros(cutoff_micros_.load()); }
  // A slot of max_concurrent_mints; false when all are taken.
  bool TakeMintSlot();
  void ReturnMintSlot() { mints_in_flight_.fetch_sub(1); }
  SnapshotPtr SnapshotOf(const Grant& grant, absl::Time now) const;
  std::string NewFailureId();
  // The least lifetime a token may have to be vended at all: right after a refresh, or while
  // refreshes fail.
  absl::Duration UsableFloor() const {
    return std::min(options_.refresh_margin, options_.min_usable_lifetime);
  }

  AuthStore& store_;
  Accounts& accounts_;
  const crypto::KeySet& keys_;
  const Clock& clock_;
  AuthMetrics& metrics_;
  const VendorOptions options_;

  // Readers (the hot path) share it; flights and Forget take it exclusively.
  absl::Mutex mutex_;
  absl::CondVar flight_done_;
  std::map<GrantKey, std::shared_ptr<Entry>> entries_ ABSL_GUARDED_BY(mutex_);
  std::mutex random_mutex_;
  absl::BitGen random_;
  std::atomic<int> mints_in_flight_{0};
  std::atomic<int64_t> cutoff_micros_{absl::ToUnixMicros(absl::InfiniteFuture())};
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_TOKEN_VENDOR_H_

// Every metric family of the auth service. Labels are bounded enumerations; no label names a
// grant, portal or token.
#ifndef CRMSYNC_SERVICES_AUTH_AUTH_METRICS_H_
#define CRMSYNC_SERVICES_AUTH_AUTH_METRICS_H_

#include <array>

#include "absl/status/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace crmsync::auth {

// Where GetAccessToken found its token.
enum class TokenTier { kMemory, kPostgres, kMint };

// How a refresh (a locked attempt to renew a grant's token) ended.
enum class RefreshResult {
  kMinted,       // a new token was minted
  kReused,       // another replica had already renewed it
  kThrottled,    // Zoho's "Access Denied" throttle
  kBudgetSpent,  // the grant made its 10 mints in 10 minutes
  kBroken,       // invalid_code / invalid_client: the grant is now BROKEN
  kTransient,    // 5xx, timeout, unreachable
  kError,        // anything else
};

// How a round trip for a grant's refresh lease ended.
enum class LeaseResult {
  kTaken,     // this process took the lease and mints
  kHeld,      // another holder is minting: wait for its token
  kFresh,     // the stored token was already renewed: no mint
  kDeclined,  // no mint: the grant is BROKEN, its mint budget is spent, or this process has its
              // maximum of mints in flight
};

struct AuthMetrics {
  explicit AuthMetrics(prometheus::Registry& registry);

  // crmsync_auth_token_requests_total{result}: GetAccessToken calls by status code name.
  prometheus::Counter& TokenRequest(absl::StatusCode code) {
    return *token_requests_by_code[static_cast<int>(code) < 17 ? static_cast<int>(code) : 2];
  }
  // crmsync_auth_token_cache_hits_total{tier}: tokens served from memory, Postgres, a mint.
  prometheus::Counter& CacheHit(TokenTier tier) { return *cache_hits[static_cast<int>(tier)]; }
  // crmsync_auth_refreshes_total{result}.
  prometheus::Counter& Refresh(RefreshResult result) {
    return *refreshes[static_cast<int>(result)];
  }
  // crmsync_auth_refresh_leases_total{result}: lease round trips to Postgres. Callers of one
  // grant in one process share one (single flight), however many they are.
  prometheus::Counter& Lease(LeaseResult result) { return *leases[static_cast<int>(result)]; }

  prometheus::Family<prometheus::Counter>& token_requests;
  prometheus::Family<prometheus::Counter>& cache_hits_family;
  prometheus::Family<prometheus::Counter>& refreshes_family;
  prometheus::Family<prometheus::Counter>& leases_family;
  // crmsync_auth_refresh_duration_seconds: time of one mint call at the accounts server.
  prometheus::Histogram& refresh_seconds;
  // crmsync_auth_mints_in_window: at each mint, the grant's mints in the current 10-minute
  // window including it (Zoho refuses the 11th).
  prometheus::Histogram& mints_in_window;
  // crmsync_auth_broken_grants: grants in state BROKEN (sampled by the refresher).
  prometheus::Gauge& broken_grants;
  // crmsync_auth_failures_delivered_total / crmsync_auth_failure_delivery_errors_total: the
  // relay of broken-grant failures to notify.
  prometheus::Counter& failures_delivered;
  prometheus::Counter& failure_delivery_errors;

 private:
  std::array<prometheus::Counter*, 17> token_requests_by_code;
  std::array<prometheus::Counter*, 3> cache_hits;
  std::array<prometheus::Counter*, 7> refreshes;
  std::array<prometheus::Counter*, 4> leases;
};

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_AUTH_METRICS_H_

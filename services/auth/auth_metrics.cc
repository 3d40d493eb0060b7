#include "services/auth/auth_metrics.h"

#include "absl/status/status.h"
#include "libs/metrics/metrics_endpoint.h"

namespace crmsync::auth {
namespace {

template <typename T>
prometheus::Family<T>& Family(prometheus::Registry& registry, const std::string& name,
                              const std::string& help) {
  if constexpr (std::is_same_v<T, prometheus::Counter>) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
  } else if constexpr (std::is_same_v<T, prometheus::Gauge>) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
  } else {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(registry);
  }
}

}  // namespace

AuthMetrics::AuthMetrics(prometheus::Registry& registry)
    : token_requests(Family<prometheus::Counter>(registry, "crmsync_auth_token_requests_total",
                                                 "GetAccessToken calls by result.")),
      cache_hits_family(Family<prometheus::Counter>(
          registry, "crmsync_auth_token_cache_hits_total",
          "Access tokens served, by where they were found: memory, postgres or mint.")),
      refreshes_family(Family<prometheus::Counter>(registry, "crmsync_auth_refreshes_total",
                                                   "Token refresh attempts by result.")),
      leases_family(Family<prometheus::Counter>(
          registry, "crmsync_auth_refresh_leases_total",
          "Round trips for a grant's refresh lease by result: taken, held (another holder "
          "mints), fresh (already renewed), declined.")),
      refresh_seconds(Family<prometheus::Histogram>(registry,
                                                    "crmsync_auth_refresh_duration_seconds",
                                                    "Time of one mint at the accounts server.")
                          .Add({}, metrics::LatencyBucketsSeconds())),
      mints_in_window(
          Family<prometheus::Histogram>(
              registry, "crmsync_auth_mints_in_window",
              "At each mint, the grant's mints in the current 10-minute window, including it.")
              .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})),
      broken_grants(Family<prometheus::Gauge>(registry, "crmsync_auth_broken_grants",
                                              "Grants in state BROKEN.")
                        .Add({})),
      failures_delivered(Family<prometheus::Counter>(registry,
                                                     "crmsync_auth_failures_delivered_total",
                                                     "Broken-grant failures accepted by notify.")
                             .Add({})),
      failure_delivery_errors(Family<prometheus::Counter>(
                                  registry, "crmsync_auth_failure_delivery_errors_total",
                                  "Failed attempts to deliver a broken-grant failure to notify.")
                                  .Add({})) {
  for (int code = 0; code < 17; ++code) {
    token_requests_by_code[code] = &token_requests.Add(
        {{"result", absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}});
  }
  cache_hits = {&cache_hits_family.Add({{"tier", "memory"}}),
                &cache_hits_family.Add({{"tier", "postgres"}}),
                &cache_hits_family.Add({{"tier", "mint"}})};
  const char* results[] = {"minted", "reused",    "throttled", "budget_spent",
                           "broken", "transient", "error"};
  for (int i = 0; i < 7; ++i) refreshes[i] = &refreshes_family.Add({{"result", results[i]}});
  leases = {&leases_family.Add({{"result", "taken"}}), &leases_family.Add({{"result", "held"}}),
            &leases_family.Add({{"result", "fresh"}}),
            &leases_family.Add({{"result", "declined"}})};
}

}  // namespace crmsync::auth

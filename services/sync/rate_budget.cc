#include "services/sync/rate_budget.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(int, projects_requests_per_minute, 150,
          "Zoho Projects requests per minute per grant, shared by all sync replicas.");
ABSL_FLAG(int, crm_max_concurrent_calls, 5,
          "Zoho CRM calls in flight at once per grant, shared by all sync replicas.");

namespace crmsync::sync {
namespace {

// From no wait worth noting to a whole Projects minute.
const prometheus::Histogram::BucketBoundaries kWaitBuckets = {0.01, 0.05, 0.1, 0.25, 0.5, 1,
                                                              2.5,  5,    10,  30,   60};

}  // namespace

absl::Status ValidateRateBudgetOptions(const RateBudgetOptions& options) {
  if (options.projects_requests_per_minute < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("projects_requests_per_minute must be at least 1, not ",
                     options.projects_requests_per_minute));
  }
  if (options.crm_max_concurrent_calls < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "crm_max_concurrent_calls must be at least 1, not ", options.crm_max_concurrent_calls));
  }
  if (options.crm_lease <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("crm_lease must be positive");
  }
  if (options.poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("poll_interval must be positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<RateBudgetOptions> RateBudgetOptionsFromFlags() {
  RateBudgetOptions options;
  options.projects_requests_per_minute = absl::GetFlag(FLAGS_projects_requests_per_minute);
  options.crm_max_concurrent_calls = absl::GetFlag(FLAGS_crm_max_concurrent_calls);
  if (absl::Status valid = ValidateRateBudgetOptions(options); !valid.ok()) return valid;
  return options;
}

RateBudgetMetrics::RateBudgetMetrics(prometheus::Registry& registry)
    : waits(prometheus::BuildCounter()
                .Name("crmsync_sync_rate_budget_waits_total")
                .Help("Calls to Zoho that waited for their grant's rate budget, by side.")
                .Register(registry)),
      wait_seconds(
          prometheus::BuildHistogram()
              .Name("crmsync_sync_rate_budget_wait_seconds")
              .Help("How long calls to Zoho waited for their grant's rate budget, by side.")
              .Register(registry)) {}

void RateBudgetMetrics::WaitBegan(Side side) {
  waits.Add({{"side", std::string(SideKey(side))}}).Increment();
}

void RateBudgetMetrics::WaitEnded(Side side, absl::Duration waited) {
  wait_seconds.Add({{"side", std::string(SideKey(side))}}, kWaitBuckets)
      .Observe(absl::ToDoubleSeconds(waited));
}

}  // namespace crmsync::sync

// Zoho's rate limits per grant, shared by every sync replica: a caller takes a permit before each
// call to Zoho and so all replicas together stay under the limits. Zoho CRM allows a few
// concurrent calls per grant (a permit is a slot held until released, or until its lease ends if
// its holder died); Zoho Projects allows a number of requests per minute per token (a permit is
// one request in a sliding minute, counted until the minute has passed).
#ifndef CRMSYNC_SERVICES_SYNC_RATE_BUDGET_H_
#define CRMSYNC_SERVICES_SYNC_RATE_BUDGET_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/common/side.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace crmsync::sync {

struct RateBudgetOptions {
  // Zoho Projects requests per sliding minute per grant, across all replicas.
  int projects_requests_per_minute = 150;
  // Zoho CRM calls in flight at once per grant, across all replicas.
  int crm_max_concurrent_calls = 5;
  // How long a CRM permit is held at most: a holder that dies gives its slot back when this has
  // passed. Longer than any one call to Zoho CRM.
  absl::Duration crm_lease = absl::Minutes(2);
  // How often a waiting caller looks again (jittered); a Projects wait also ends as the oldest
  // request of the minute leaves it.
  absl::Duration poll_interval = absl::Milliseconds(50);
};

// INVALID_ARGUMENT naming the option when one is out of range.
absl::Status ValidateRateBudgetOptions(const RateBudgetOptions& options);

// The options from --projects_requests_per_minute and --crm_max_concurrent_calls, validated.
absl::StatusOr<RateBudgetOptions> RateBudgetOptionsFromFlags();

// One call's share of a grant's budget.
struct RatePermit {
  int64_t permit_id = 0;
  std::string grant_key;
  Side side = Side::kUnspecified;
  // CRM: when the lease ends; Projects: when the request leaves the minute.
  absl::Time expires;
};

class RateBudget {
 public:
  virtual ~RateBudget() = default;

  // A permit for one call with `grant_key`'s token on `side`, waiting while the budget is spent.
  // DEADLINE_EXCEEDED, holding nothing, when none came free before `deadline`; INVALID_ARGUMENT
  // for an empty grant key or kUnspecified side; other errors when PostgreSQL did not answer.
  virtual absl::StatusOr<RatePermit> Acquire(absl::string_view grant_key, Side side,
                                             absl::Time deadline) = 0;
  // As Acquire, without waiting: nullopt when the budget is spent now.
  virtual absl::StatusOr<std::optional<RatePermit>> TryAcquire(absl::string_view grant_key,
                                                               Side side) = 0;
  // Gives a CRM permit's slot back once its call has ended (whatever the call's outcome). A
  // Projects request stays counted for its minute, so releasing one changes nothing. Releasing
  // a permit twice, or one whose lease ended, is OK.
  virtual absl::Status Release(const RatePermit& permit) = 0;
};

// The budget's metric families, labelled by side (crm, projects).
struct RateBudgetMetrics {
  explicit RateBudgetMetrics(prometheus::Registry& registry);

  // One Acquire found the budget spent and begins to wait.
  void WaitBegan(Side side);
  // That wait ended after `waited`, with a permit or not.
  void WaitEnded(Side side, absl::Duration waited);

  // crmsync_sync_rate_budget_waits_total{side}: Acquire calls that found the budget spent,
  // counted as their wait begins.
  prometheus::Family<prometheus::Counter>& waits;
  // crmsync_sync_rate_budget_wait_seconds{side}: how long those calls waited, observed as the
  // wait ends.
  prometheus::Family<prometheus::Histogram>& wait_seconds;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_RATE_BUDGET_H_

// The rate budget (rate_budget.h) on PostgreSQL: table rate_budget_permits of the sync schema
// holds one row per permit alive (a CRM call in flight, a Projects request of the last minute).
// A replica counts a grant's live rows and adds its own in one short transaction under an
// advisory lock of the grant and side, so replicas never count the same free slot twice; nothing
// is held while a caller waits. Times are the caller's Clock; replicas' clocks are assumed close
// compared with a minute.
#ifndef CRMSYNC_SERVICES_SYNC_STORE_PG_RATE_BUDGET_H_
#define CRMSYNC_SERVICES_SYNC_STORE_PG_RATE_BUDGET_H_

#include "libs/common/clock.h"
#include "libs/pg/pool.h"
#include "services/sync/rate_budget.h"

namespace crmsync::sync {

class PgRateBudget : public RateBudget {
 public:
  // `pool` (with the sync schema's queries prepared), `clock` and `metrics` must outlive the
  // budget. `options` must be valid (ValidateRateBudgetOptions).
  PgRateBudget(pg::Pool& pool, const Clock& clock, RateBudgetOptions options,
               RateBudgetMetrics& metrics);

  absl::StatusOr<RatePermit> Acquire(absl::string_view grant_key, Side side,
                                     absl::Time deadline) override;
  absl::StatusOr<std::optional<RatePermit>> TryAcquire(absl::string_view grant_key,
                                                       Side side) override;
  absl::Status Release(const RatePermit& permit) override;

 private:
  // A permit, or when the budget is spent the time its first live permit expires.
  struct Attempt {
    std::optional<RatePermit> permit;
    absl::Time first_expiry = absl::InfinitePast();
  };
  // One short transaction; `db_deadline` (wall clock) bounds it.
  absl::StatusOr<Attempt> Take(absl::string_view grant_key, Side side, absl::Time db_deadline);

  pg::Pool& pool_;
  const Clock& clock_;
  const RateBudgetOptions options_;
  RateBudgetMetrics& metrics_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_PG_RATE_BUDGET_H_

#include "services/sync/store/pg_rate_budget.h"

#include <algorithm>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"

namespace crmsync::sync {
namespace {

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

absl::Status CheckRequest(absl::string_view grant_key, Side side) {
  if (grant_key.empty()) return absl::InvalidArgumentError("grant_key must not be empty");
  if (side != Side::kCrm && side != Side::kProjects) {
    return absl::InvalidArgumentError("side must be crm or projects");
  }
  return absl::OkStatus();
}

}  // namespace

PgRateBudget::PgRateBudget(pg::Pool& pool, const Clock& clock, RateBudgetOptions options,
                           RateBudgetMetrics& metrics)
    : pool_(pool), clock_(clock), options_(std::move(options)), metrics_(metrics) {}

absl::StatusOr<PgRateBudget::Attempt> PgRateBudget::Take(absl::string_view grant_key, Side side,
                                                         absl::Time db_deadline) {
  const absl::Time now = clock_.Now();
  const bool crm = side == Side::kCrm;
  const int limit = crm ? options_.crm_max_concurrent_calls : options_.projects_requests_per_minute;
  const absl::Time expires = now + (crm ? options_.crm_lease : absl::Minutes(1));
  const std::string key(grant_key);
  const std::string side_key(SideKey(side));
  return pool_.TransactValue<Attempt>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<Attempt> {
        tx.exec_prepared("rate_budget_lock", key, side_key);
        const pqxx::row row = tx.exec_prepared1("rate_budget_take", key, side_key, limit,
                                                Micros(now), Micros(expires));
        Attempt attempt;
        if (!row["permit_id"].is_null()) {
          attempt.permit = RatePermit{row["permit_id"].as<int64_t>(), key, side, expires};
        } else if (!row["first_expiry_us"].is_null()) {
          attempt.first_expiry = absl::FromUnixMicros(row["first_expiry_us"].as<int64_t>());
        }
        return attempt;
      },
      pg::Isolation::kReadCommitted, db_deadline);
}

absl::StatusOr<std::optional<RatePermit>> PgRateBudget::TryAcquire(absl::string_view grant_key,
                                                                   Side side) {
  if (absl::Status valid = CheckRequest(grant_key, side); !valid.ok()) return valid;
  absl::StatusOr<Attempt> attempt = Take(grant_key, side, absl::InfiniteFuture());
  if (!attempt.ok()) return attempt.status();
  return std::move(attempt->permit);
}

absl::StatusOr<RatePermit> PgRateBudget::Acquire(absl::string_view grant_key, Side side,
                                                 absl::Time deadline) {
  if (absl::Status valid = CheckRequest(grant_key, side); !valid.ok()) return valid;
  const absl::Time started = clock_.Now();
  bool waiting = false;
  absl::BitGen random;
  while (true) {
    const absl::Time now = clock_.Now();
    if (now >= deadline) {
      if (waiting) metrics_.WaitEnded(side, now - started);
      return absl::DeadlineExceededError(absl::StrCat("the ", SideDisplayName(side),
                                                      " rate budget of grant ", grant_key,
                                                      " stayed spent until the deadline"));
    }
    // The deadline is on the caller's clock; the pool's is the wall clock.
    absl::StatusOr<Attempt> attempt = Take(grant_key, side, absl::Now() + (deadline - now));
    if (waiting && (!attempt.ok() || attempt->permit.has_value())) {
      metrics_.WaitEnded(side, clock_.Now() - started);
    }
    if (!attempt.ok()) return attempt.status();
    if (attempt->permit.has_value()) return *std::move(attempt->permit);
    if (!waiting) metrics_.WaitBegan(side);
    waiting = true;
    // Release by another replica is seen only by looking again; a Projects slot frees itself at
    // first_expiry. Jitter keeps the waiters of one grant from looking all at once.
    absl::Duration pause = options_.poll_interval * absl::Uniform(random, 0.5, 1.5);
    if (attempt->first_expiry > now) pause = std::min(pause, attempt->first_expiry - now);
    pause = std::max(std::min(pause, deadline - now), absl::Milliseconds(1));
    std::this_thread::sleep_for(absl::ToChronoMicroseconds(pause));
  }
}

absl::Status PgRateBudget::Release(const RatePermit& permit) {
  if (permit.side != Side::kCrm) return absl::OkStatus();
  return pool_.Transact([&](pqxx::transaction_base& tx) {
    tx.exec_prepared("rate_budget_release", permit.permit_id);
    return absl::OkStatus();
  });
}

}  // namespace crmsync::sync

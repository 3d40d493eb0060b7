// The rate budget on a real PostgreSQL, with two budgets on one database standing for two sync
// replicas.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/common/clock.h"
#include "prometheus/registry.h"
#include "services/sync/rate_budget.h"
#include "services/sync/store/pg_rate_budget.h"
#include "tests/services/sync/test_pool.h"

namespace crmsync::sync {
namespace {

constexpr char kGrant[] = "grant-17";
const absl::Time kStart = absl::FromUnixSeconds(1796000000);

// Waits, bounded, for `condition`; false when it never held.
bool WaitUntil(const std::function<bool()>& condition) {
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (!condition()) {
    if (absl::Now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// An Acquire on its own thread, as a delivery worker's would be, on a fake clock.
class Waiter {
 public:
  Waiter(RateBudget& budget, Side side, FakeClock& clock, absl::Time deadline)
      : clock_(clock), deadline_(deadline), thread_([this, &budget, side] {
          result_ = budget.Acquire(kGrant, side, deadline_);
          done_ = true;
        }) {}

  // What Acquire returned. When it has not returned within a bounded wait, the clock is moved to
  // its deadline so that the thread ends, and the result is INTERNAL.
  absl::StatusOr<RatePermit> Result() {
    const bool returned = WaitUntil([&] { return done_.load(); });
    if (!returned) clock_.Set(deadline_);
    thread_.join();
    if (!returned) return absl::InternalError("Acquire did not return in time");
    return result_;
  }

 private:
  FakeClock& clock_;
  const absl::Time deadline_;
  std::atomic<bool> done_ = false;
  absl::StatusOr<RatePermit> result_ = absl::UnknownError("not run");
  std::thread thread_;
};

class RateBudgetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = MakeSyncTestPool(12);
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    auto replica = pg::Pool::Create(database_.pool->options());
    ASSERT_TRUE(replica.ok()) << replica.status();
    replica_ = *std::move(replica);
    options_.poll_interval = absl::Milliseconds(5);
  }

  // The permits `budget` grants at once, up to `most`.
  int TakeAll(RateBudget& budget, Side side, int most = 100) {
    int taken = 0;
    for (; taken < most; ++taken) {
      auto permit = budget.TryAcquire(kGrant, side);
      EXPECT_TRUE(permit.ok()) << permit.status();
      if (!permit.ok() || !permit->has_value()) break;
    }
    return taken;
  }

  // Every CRM slot of the grant, taken from `budget` and held.
  std::vector<RatePermit> HoldEveryCrmSlot(RateBudget& budget) {
    std::vector<RatePermit> held;
    while (true) {
      auto permit = budget.TryAcquire(kGrant, Side::kCrm);
      EXPECT_TRUE(permit.ok()) << permit.status();
      if (!permit.ok() || !permit->has_value()) return held;
      held.push_back(**permit);
    }
  }

  double Waits(Side side) {
    return metrics_.waits.Add({{"side", std::string(SideKey(side))}}).Value();
  }

  SyncTestPool database_;
  std::unique_ptr<pg::Pool> replica_;
  RateBudgetOptions options_;
  prometheus::Registry registry_;
  RateBudgetMetrics metrics_{registry_};
};

TEST_F(RateBudgetTest, TwoReplicasTogetherNeverHoldMoreThanFiveCrmCalls) {
  PgRateBudget first(*database_.pool, RealClock(), options_, metrics_);
  PgRateBudget second(*replica_, RealClock(), options_, metrics_);
  constexpr int kThreads = 8;
  constexpr int kCalls = 5;
  std::mutex mutex;
  std::condition_variable changed;
  int working = kThreads;  // threads with calls left to make
  int in_flight = 0;       // threads holding a permit
  int refused = 0;         // threads that found the budget spent and wait in Acquire
  int most_in_flight = 0;
  std::vector<absl::Status> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RateBudget& budget = t % 2 == 0 ? static_cast<RateBudget&>(first) : second;
      for (int call = 0; call < kCalls; ++call) {
        auto now = budget.TryAcquire(kGrant, Side::kCrm);
        if (!now.ok()) {
          errors[t] = now.status();
          break;
        }
        std::optional<RatePermit> permit = *std::move(now);
        if (!permit.has_value()) {
          {
            std::lock_guard lock(mutex);
            ++refused;
          }
          changed.notify_all();
          auto waited = budget.Acquire(kGrant, Side::kCrm, absl::Now() + absl::Seconds(60));
          std::lock_guard lock(mutex);
          --refused;
          if (!waited.ok()) {
            errors[t] = waited.status();
            break;
          }
          permit = *std::move(waited);
        }
        {
          std::unique_lock lock(mutex);
          ++in_flight;
          most_in_flight = std::max(most_in_flight, in_flight);
          changed.notify_all();
          // The call lasts until every other thread holds a permit or was refused one, so any
          // permit granted past the limit is held at the same time as the others.
          changed.wait_for(lock, std::chrono::seconds(20),
                           [&] { return in_flight + refused == working; });
          --in_flight;
        }
        if (absl::Status released = budget.Release(*permit); !released.ok()) {
          errors[t] = released;
          break;
        }
      }
      {
        std::lock_guard lock(mutex);
        --working;
      }
      changed.notify_all();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& error : errors) EXPECT_TRUE(error.ok()) << error;
  EXPECT_EQ(most_in_flight, 5);
  EXPECT_GT(Waits(Side::kCrm), 0);
}

TEST_F(RateBudgetTest, ProjectsGrantsExactlyTheLimitInAnyMinuteAcrossReplicas) {
  FakeClock clock(kStart);
  options_.projects_requests_per_minute = 3;
  PgRateBudget first(*database_.pool, clock, options_, metrics_);
  PgRateBudget second(*replica_, clock, options_, metrics_);

  auto oldest = first.TryAcquire(kGrant, Side::kProjects);
  ASSERT_TRUE(oldest.ok()) << oldest.status();
  ASSERT_TRUE(oldest->has_value());
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(TakeAll(second, Side::kProjects, 1), 1);
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(TakeAll(first, Side::kProjects), 1);
  EXPECT_EQ(TakeAll(second, Side::kProjects), 0);
  // A request made stays counted for its minute, whatever its caller does with the permit.
  ASSERT_TRUE(first.Release(**oldest).ok());
  clock.Set(kStart + absl::Minutes(1) - absl::Microseconds(1));
  EXPECT_EQ(TakeAll(second, Side::kProjects), 0);

  // The first request leaves the minute: one more, and the next when the second leaves.
  clock.Set(kStart + absl::Minutes(1));
  EXPECT_EQ(TakeAll(second, Side::kProjects), 1);
  EXPECT_EQ(TakeAll(first, Side::kProjects), 0);
  clock.Set(kStart + absl::Seconds(70));
  EXPECT_EQ(TakeAll(first, Side::kProjects), 1);
}

TEST_F(RateBudgetTest, AWaitingProjectsCallGoesWhenTheMinuteRolls) {
  FakeClock clock(kStart);
  options_.projects_requests_per_minute = 2;
  PgRateBudget first(*database_.pool, clock, options_, metrics_);
  PgRateBudget second(*replica_, clock, options_, metrics_);
  ASSERT_EQ(TakeAll(first, Side::kProjects), 2);

  Waiter waiter(second, Side::kProjects, clock, kStart + absl::Minutes(5));
  EXPECT_TRUE(WaitUntil([&] { return Waits(Side::kProjects) == 1; }));
  clock.Advance(absl::Minutes(1));
  const absl::StatusOr<RatePermit> waited = waiter.Result();
  ASSERT_TRUE(waited.ok()) << waited.status();
  EXPECT_EQ(waited->expires, kStart + absl::Minutes(2));
}

TEST_F(RateBudgetTest, AKilledHoldersCrmSlotsComeBackWhenTheirLeaseEnds) {
  FakeClock clock(kStart);
  options_.crm_lease = absl::Seconds(30);
  {
    // A replica that takes every slot and dies without releasing any.
    auto pool = pg::Pool::Create(database_.pool->options());
    ASSERT_TRUE(pool.ok()) << pool.status();
    PgRateBudget killed(**pool, clock, options_, metrics_);
    ASSERT_EQ(TakeAll(killed, Side::kCrm), 5);
  }
  PgRateBudget survivor(*replica_, clock, options_, metrics_);
  EXPECT_EQ(TakeAll(survivor, Side::kCrm), 0);
  clock.Advance(absl::Seconds(30) - absl::Microseconds(1));
  EXPECT_EQ(TakeAll(survivor, Side::kCrm), 0);
  clock.Advance(absl::Microseconds(1));
  EXPECT_EQ(TakeAll(survivor, Side::kCrm), 5);
}

TEST_F(RateBudgetTest, AWaitingCrmCallGoesWhenAnotherReplicaReleases) {
  FakeClock clock(kStart);
  PgRateBudget first(*database_.pool, clock, options_, metrics_);
  PgRateBudget second(*replica_, clock, options_, metrics_);
  const std::vector<RatePermit> held = HoldEveryCrmSlot(first);
  ASSERT_EQ(held.size(), 5u);

  Waiter waiter(second, Side::kCrm, clock, kStart + absl::Seconds(5));
  EXPECT_TRUE(WaitUntil([&] { return Waits(Side::kCrm) == 1; }));
  EXPECT_TRUE(first.Release(held[0]).ok());
  const absl::StatusOr<RatePermit> waited = waiter.Result();
  ASSERT_TRUE(waited.ok()) << waited.status();
  EXPECT_EQ(waited->expires, kStart + options_.crm_lease);
}

TEST_F(RateBudgetTest, ADeadlinePassingWhileWaitingHoldsNothing) {
  FakeClock clock(kStart);
  PgRateBudget first(*database_.pool, clock, options_, metrics_);
  PgRateBudget second(*replica_, clock, options_, metrics_);
  const std::vector<RatePermit> held = HoldEveryCrmSlot(first);
  ASSERT_EQ(held.size(), 5u);

  Waiter waiter(second, Side::kCrm, clock, kStart + absl::Seconds(5));
  EXPECT_TRUE(WaitUntil([&] { return Waits(Side::kCrm) == 1; }));
  clock.Advance(absl::Seconds(6));
  const absl::StatusOr<RatePermit> waited = waiter.Result();
  EXPECT_EQ(waited.status().code(), absl::StatusCode::kDeadlineExceeded) << waited.status();
  EXPECT_EQ(metrics_.wait_seconds.Add({{"side", "crm"}}, prometheus::Histogram::BucketBoundaries{})
                .Collect()
                .histogram.sample_count,
            1u);

  // The five slots come back as they are released, and no sixth was left taken by the wait.
  for (const RatePermit& permit : held) ASSERT_TRUE(first.Release(permit).ok());
  EXPECT_EQ(TakeAll(second, Side::kCrm), 5);
}

TEST_F(RateBudgetTest, GrantsAndSidesHaveTheirOwnBudgets) {
  FakeClock clock(kStart);
  options_.projects_requests_per_minute = 1;
  PgRateBudget budget(*database_.pool, clock, options_, metrics_);
  EXPECT_EQ(TakeAll(budget, Side::kCrm), 5);
  EXPECT_EQ(TakeAll(budget, Side::kProjects), 1);
  auto other = budget.TryAcquire("grant-18", Side::kCrm);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE(other->has_value());
  EXPECT_EQ(budget.TryAcquire("", Side::kCrm).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crmsync::sync

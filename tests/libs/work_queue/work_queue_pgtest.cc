// The work queue on a real PostgreSQL: fencing, takeover, retries, release at stop, groups,
// retention and the metrics' values.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "libs/work_queue/pg_work_queue.h"
#include "tests/support/pg/test_database.h"

namespace crmsync::work_queue {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1795424400);

class WorkQueuePgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    pg::PoolOptions options;
    options.database_url = database_->url();
    options.schema = "public";
    options.statements = Queries();
    auto pool = pg::Pool::Create(options);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(pool_
                    ->Transact([](pqxx::transaction_base& tx) {
                      tx.exec(std::string(TableDefinition()[0].text));
                      return absl::OkStatus();
                    })
                    .ok());
  }

  std::unique_ptr<PgWorkQueue> NewQueue(RetryPolicy policy = {}, PgHooks hooks = {}) {
    return std::make_unique<PgWorkQueue>(*pool_, "jobs", clock_, policy, metrics_,
                                         std::move(hooks));
  }

  bool Add(const std::string& key, absl::Time due, const std::string& group = "") {
    auto added = pool_->TransactValue<bool>([&](pqxx::transaction_base& tx) {
      return Enqueue(tx, {"jobs", key, "payload of " + key, group, due}, clock_.Now());
    });
    EXPECT_TRUE(added.ok()) << added.status();
    return added.value_or(false);
  }

  // Item `key`'s `column` as text; "" when there is no such item.
  std::string Column(const std::string& key, const std::string& column) {
    auto value = pool_->TransactValue<std::string>(
        [&](pqxx::transaction_base& tx) -> absl::StatusOr<std::string> {
          const auto rows = tx.exec_params(absl::StrCat("SELECT coalesce(", column,
                                                        "::text, '') FROM work_items "
                                                        "WHERE queue = 'jobs' AND item_key = $1"),
                                           key);
          return rows.empty() ? std::string() : rows[0][0].as<std::string>();
        });
    EXPECT_TRUE(value.ok()) << value.status();
    return value.value_or("");
  }

  double Completions(const std::string& result) {
    return metrics_.completions.Add({{"queue", "jobs"}, {"result", result}}).Value();
  }

  std::unique_ptr<testing::TestDatabase> database_;
  std::unique_ptr<pg::Pool> pool_;
  FakeClock clock_{kStart};
  prometheus::Registry registry_;
  Metrics metrics_{registry_};
};

TEST_F(WorkQueuePgTest, AKeyIsEnqueuedOnce) {
  EXPECT_TRUE(Add("a", kStart));
  EXPECT_FALSE(Add("a", kStart + absl::Hours(1)));
  auto claims = NewQueue()->ClaimDue(10, 1, absl::Seconds(30));
  ASSERT_TRUE(claims.ok()) << claims.status();
  ASSERT_EQ(claims->size(), 1u);
  EXPECT_EQ((*claims)[0].payload, "payload of a");
  EXPECT_EQ((*claims)[0].attempt, 1);
}

TEST_F(WorkQueuePgTest, AWorkerWhoseLeaseExpiredCanNeitherStartNorCompleteAndAnotherTakesOver) {
  Add("a", kStart);
  auto first = NewQueue();
  auto second = NewQueue();
  auto mine = first->ClaimDue(10, 1, absl::Seconds(30));
  ASSERT_EQ(mine->size(), 1u);
  clock_.Advance(absl::Seconds(29));
  EXPECT_TRUE(second->ClaimDue(10, 1, absl::Seconds(30))->empty()) << "the lease still holds";
  clock_.Advance(absl::Seconds(2));
  auto theirs = second->ClaimDue(10, 1, absl::Seconds(30));
  ASSERT_EQ(theirs->size(), 1u);
  EXPECT_EQ((*theirs)[0].attempt, 2);
  EXPECT_NE((*theirs)[0].fence, (*mine)[0].fence);

  Claim late = (*mine)[0];
  EXPECT_EQ(first->Extend(late, absl::Seconds(10)).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(first->Complete(late, Outcome::Done()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(first->Complete(late, Outcome::Refused("late")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Column("a", "state"), "RUNNING");
  EXPECT_EQ(Completions("lease_lost"), 3);

  Claim current = (*theirs)[0];
  ASSERT_TRUE(second->Extend(current, absl::Seconds(10)).ok());
  auto done = second->Complete(current, Outcome::Done());
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(Column("a", "state"), "DONE");
  EXPECT_EQ(Column("a", "attempts"), "2");
  EXPECT_EQ(Completions("done"), 1);
}

TEST_F(WorkQueuePgTest, ExtendMakesTheLeaseCoverTheSideEffect) {
  Add("a", kStart);
  auto queue = NewQueue();
  auto claims = queue->ClaimDue(10, 1, absl::Seconds(30));
  Claim claim = (*claims)[0];
  clock_.Advance(absl::Seconds(25));
  ASSERT_TRUE(queue->Extend(claim, absl::Seconds(60)).ok());
  EXPECT_EQ(claim.lease_until, kStart + absl::Seconds(85));
  clock_.Advance(absl::Seconds(59));
  EXPECT_TRUE(NewQueue()->ClaimDue(10, 1, absl::Seconds(30))->empty());
}

// The slow side effect of the first item outlives the batch's lease: the second item is taken
// over by another worker, and the first worker must then skip it, not run it a second time.
TEST_F(WorkQueuePgTest, AWorkerNeverRunsAnItemTakenOverWhileItWorkedOnAnother) {
  Add("a", kStart);
  Add("b", kStart);
  auto queue = NewQueue();
  std::map<std::string, int> runs;
  WorkerOptions options;
  options.lease = absl::Seconds(10);
  options.item_bound = absl::Seconds(12);  // covers the first item's 11 s
  absl::Notification stop;
  Worker other(
      *queue,
      [&](const std::vector<Claim>& unit, const absl::Notification&) {
        for (const Claim& c : unit) ++runs[c.key];
        return Outcome::Done();
      },
      options);
  Worker slow(
      *queue,
      [&](const std::vector<Claim>& unit, const absl::Notification&) {
        for (const Claim& c : unit) ++runs[c.key];
        if (unit[0].key == "a") {
          clock_.Advance(absl::Seconds(11));   // past the batch's lease
          EXPECT_EQ(*other.RunOnce(stop), 1);  // takes "b" over
        }
        return Outcome::Done();
      },
      options);
  EXPECT_EQ(*slow.RunOnce(stop), 2);
  EXPECT_EQ(runs, (std::map<std::string, int>{{"a", 1}, {"b", 1}}));
  EXPECT_EQ(Column("b", "attempts"), "2");
  EXPECT_EQ(Completions("lease_lost"), 1);
}

TEST_F(WorkQueuePgTest, RetriesBackOffUntilTheBudgetEndsInDead) {
  Add("a", kStart);
  auto queue = NewQueue({3, {absl::Seconds(2), absl::Minutes(10), 2.0}});
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto claims = queue->ClaimDue(10, 1, absl::Seconds(30));
    ASSERT_EQ(claims->size(), 1u) << attempt;
    Claim claim = (*claims)[0];
    EXPECT_EQ(claim.attempt, attempt);
    ASSERT_TRUE(queue->Extend(claim, absl::Seconds(1)).ok());
    auto resolution = queue->Complete(claim, Outcome::Retry("451 later"));
    ASSERT_TRUE(resolution.ok()) << resolution.status();
    if (attempt == 3) {
      EXPECT_EQ(resolution->kind, Resolution::Kind::kDead);
      break;
    }
    ASSERT_EQ(resolution->kind, Resolution::Kind::kRetry);
    // Not retried at once: nothing is due before the backoff ends.
    ASSERT_GT(resolution->next_attempt, clock_.Now());
    EXPECT_TRUE(queue->ClaimDue(10, 1, absl::Seconds(30))->empty());
    clock_.Set(resolution->next_attempt - absl::Microseconds(1));
    EXPECT_TRUE(queue->ClaimDue(10, 1, absl::Seconds(30))->empty());
    clock_.Set(resolution->next_attempt);
  }
  EXPECT_EQ(Column("a", "state"), "DEAD");
  EXPECT_EQ(Column("a", "last_error"), "gave up after 3 attempts: 451 later");
  clock_.Advance(absl::Hours(1));
  EXPECT_TRUE(queue->ClaimDue(10, 1, absl::Seconds(30))->empty());
  EXPECT_EQ(Completions("retry"), 2);
  EXPECT_EQ(Completions("dead"), 1);
}

TEST_F(WorkQueuePgTest, ARefusalIsDeadAtOnce) {
  Add("a", kStart);
  auto queue = NewQueue();
  Claim claim = (*queue->ClaimDue(10, 1, absl::Seconds(30)))[0];
  ASSERT_TRUE(queue->Complete(claim, Outcome::Refused("invalid recipient")).ok());
  EXPECT_EQ(Column("a", "state"), "DEAD");
  EXPECT_EQ(Column("a", "attempts"), "1");
  EXPECT_EQ(Column("a", "last_error"), "invalid recipient");
}

TEST_F(WorkQueuePgTest, EachItemOfAGroupEndsWithItsOwnOutcome) {
  Add("g-1", kStart, "task");
  Add("g-2", kStart, "task");
  Add("g-3", kStart, "task");
  auto queue = NewQueue();
  absl::Notification stop;
  Worker worker(
      *queue,
      [&](const std::vector<Claim>& unit, const absl::Notification&) {
        EXPECT_EQ(unit.size(), 3u);
        return std::vector<Outcome>{Outcome::Done(), Outcome::Refused("refused by Zoho"),
                                    Outcome::Later("waits", absl::Seconds(30))};
      },
      WorkerOptions{.group_limit = 10});
  EXPECT_EQ(*worker.RunOnce(stop), 3);
  EXPECT_EQ(Column("g-1", "state"), "DONE");
  EXPECT_EQ(Column("g-2", "state"), "DEAD");
  EXPECT_EQ(Column("g-2", "last_error"), "refused by Zoho");
  EXPECT_EQ(Column("g-3", "state"), "PENDING");
  EXPECT_EQ(Column("g-3", "attempts"), "0");
  EXPECT_TRUE(queue->ClaimDue(10, 10, absl::Seconds(30))->empty());
  clock_.Advance(absl::Seconds(30));
  EXPECT_EQ(queue->ClaimDue(10, 10, absl::Seconds(30))->size(), 1u);
}

TEST_F(WorkQueuePgTest, AWholeBatchIsOneCallWithEachGroupInOrderAndEachItemsOwnOutcome) {
  Add("a-1", kStart, "task-a");
  Add("b-1", kStart, "task-b");
  Add("a-2", kStart, "task-a");
  Add("alone", kStart);
  Add("b-2", kStart, "task-b");
  auto queue = NewQueue();
  absl::Notification stop;
  std::vector<std::vector<std::string>> calls;
  Worker worker(
      *queue,
      [&](const std::vector<Claim>& batch, const absl::Notification&) {
        std::vector<std::string> keys;
        std::vector<Outcome> outcomes;
        for (const Claim& claim : batch) {
          keys.push_back(claim.key);
          // The lease was extended for the call before it.
          EXPECT_GE(claim.lease_until, clock_.Now() + absl::Seconds(60));
          outcomes.push_back(claim.key == "b-1" ? Outcome::Refused("refused by Zoho")
                                                : Outcome::Done());
        }
        calls.push_back(keys);
        return outcomes;
      },
      WorkerOptions{
          .batch = 10, .group_limit = 10, .lease = absl::Seconds(10), .whole_batch = true});
  EXPECT_EQ(*worker.RunOnce(stop), 5);
  ASSERT_EQ(calls.size(), 1u);
  std::vector<std::string> keys = calls[0];
  ASSERT_EQ(keys.size(), 5u);
  // Each group's items are adjacent and in the order they were queued.
  const auto at = [&](const std::string& key) {
    return std::find(keys.begin(), keys.end(), key) - keys.begin();
  };
  EXPECT_EQ(at("a-2"), at("a-1") + 1);
  EXPECT_EQ(at("b-2"), at("b-1") + 1);
  EXPECT_EQ(Column("a-1", "state"), "DONE");
  EXPECT_EQ(Column("a-2", "state"), "DONE");
  EXPECT_EQ(Column("alone", "state"), "DONE");
  EXPECT_EQ(Column("b-2", "state"), "DONE");
  EXPECT_EQ(Column("b-1", "state"), "DEAD");
  EXPECT_EQ(Column("b-1", "last_error"), "refused by Zoho");
}

TEST_F(WorkQueuePgTest, AtStopUnstartedClaimsAreGivenBackAtOnceWithoutCountingAnAttempt) {
  Add("a", kStart);
  Add("b", kStart);
  auto queue = NewQueue();
  int runs = 0;
  absl::Notification stop;
  Worker worker(
      *queue,
      [&](const std::vector<Claim>&, const absl::Notification&) {
        ++runs;
        stop.Notify();  // the stop arrives while the first item runs
        return Outcome::Done();
      },
      WorkerOptions{});
  EXPECT_EQ(*worker.RunOnce(stop), 2);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(Column("b", "state"), "PENDING");
  EXPECT_EQ(Column("b", "attempts"), "0");
  // Another worker takes it at once, not after the lease.
  auto claims = NewQueue()->ClaimDue(10, 1, absl::Seconds(30));
  ASSERT_EQ(claims->size(), 1u);
  EXPECT_EQ((*claims)[0].key, "b");
  EXPECT_EQ((*claims)[0].attempt, 1);
}

TEST_F(WorkQueuePgTest, AnInterruptedItemIsDueAgainWithTheAttemptNotCounted) {
  Add("a", kStart);
  auto queue = NewQueue();
  Claim claim = (*queue->ClaimDue(10, 1, absl::Seconds(30)))[0];
  ASSERT_TRUE(queue->Extend(claim, absl::Seconds(5)).ok());
  ASSERT_TRUE(queue->Complete(claim, Outcome::Interrupted()).ok());
  auto again = queue->ClaimDue(10, 1, absl::Seconds(30));
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempt, 1);
}

TEST_F(WorkQueuePgTest, AGroupIsClaimedWholeWhenAnyOfItsItemsIsDue) {
  Add("g-1", kStart + absl::Seconds(60), "george");
  Add("g-2", kStart + absl::Seconds(70), "george");
  Add("l-1", kStart + absl::Seconds(60), "linda");
  Add("x", kStart + absl::Seconds(60));
  auto queue = NewQueue();
  EXPECT_TRUE(queue->ClaimDue(10, 20, absl::Seconds(30))->empty());
  clock_.Advance(absl::Seconds(60));
  auto claims = queue->ClaimDue(10, 20, absl::Seconds(30));
  ASSERT_TRUE(claims.ok()) << claims.status();
  std::vector<std::string> keys;
  for (const Claim& c : *claims) keys.push_back(c.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"g-1", "g-2", "l-1", "x"}));
}

TEST_F(WorkQueuePgTest, ConcurrentWorkersNeverSplitAGroup) {
  for (int g = 0; g < 30; ++g) {
    for (int i = 0; i < 4; ++i) {
      Add(absl::StrCat("g", g, "-", i), kStart + absl::Milliseconds(i), absl::StrCat("g", g));
    }
  }
  clock_.Advance(absl::Seconds(1));
  std::mutex mutex;
  std::map<std::string, int> claims_per_group;
  std::map<std::string, int> items_per_group;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto queue = NewQueue();
      while (true) {
        auto claims = queue->ClaimDue(2, 20, absl::Seconds(30));
        ASSERT_TRUE(claims.ok()) << claims.status();
        if (claims->empty()) return;
        std::lock_guard lock(mutex);
        std::set<std::string> groups;
        for (const Claim& c : *claims) {
          groups.insert(c.group);
          ++items_per_group[c.group];
        }
        for (const auto& g : groups) ++claims_per_group[g];
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(claims_per_group.size(), 30u);
  for (const auto& [group, claims] : claims_per_group) {
    EXPECT_EQ(claims, 1) << group;
    EXPECT_EQ(items_per_group[group], 4) << group;
  }
}

TEST_F(WorkQueuePgTest, RetentionDeletesOnlyFinishedItemsPastIt) {
  for (const char* key : {"old-done", "old-dead", "old-pending", "old-running", "new-done"}) {
    Add(key, kStart);
  }
  auto queue = NewQueue();
  auto claims = *queue->ClaimDue(10, 1, absl::Hours(1000));
  std::map<std::string, Claim> by_key;
  for (const Claim& claim : claims) by_key[claim.key] = claim;
  ASSERT_TRUE(queue->Complete(by_key["old-done"], Outcome::Done()).ok());
  ASSERT_TRUE(queue->Complete(by_key["old-dead"], Outcome::Refused("no")).ok());
  ASSERT_TRUE(queue->Release({by_key["old-pending"]}).ok());
  clock_.Advance(absl::Hours(24 * 6));
  ASSERT_TRUE(queue->Complete(by_key["new-done"], Outcome::Done()).ok());
  clock_.Advance(absl::Hours(24 * 2));
  auto deleted = DeleteFinished(*pool_, clock_.Now() - absl::Hours(24 * 7), /*batch=*/1);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 2);
  EXPECT_EQ(Column("old-done", "state"), "");
  EXPECT_EQ(Column("old-dead", "state"), "");
  EXPECT_EQ(Column("old-pending", "state"), "PENDING");
  EXPECT_EQ(Column("old-running", "state"), "RUNNING");
  EXPECT_EQ(Column("new-done", "state"), "DONE");
}

TEST_F(WorkQueuePgTest, MetricsCountTheQueueAndTheOldestUnfinishedItem) {
  Add("a", kStart);
  clock_.Advance(absl::Seconds(10));
  Add("b", clock_.Now());
  Add("c", clock_.Now());
  Add("d", clock_.Now());
  auto queue = NewQueue();
  auto claims = *queue->ClaimDue(3, 1, absl::Seconds(30));  // a, b, c
  ASSERT_TRUE(queue->Complete(claims[0], Outcome::Done()).ok());
  ASSERT_TRUE(queue->Complete(claims[1], Outcome::Refused("no")).ok());
  clock_.Advance(absl::Seconds(5));
  absl::Notification stop;
  stop.Notify();
  Maintain(*pool_, clock_, metrics_, {.queues = {"jobs"}}, stop);
  auto gauge = [&](const std::string& state) {
    return metrics_.items.Add({{"queue", "jobs"}, {"state", state}}).Value();
  };
  EXPECT_EQ(gauge("pending"), 1);
  EXPECT_EQ(gauge("running"), 1);
  EXPECT_EQ(gauge("dead"), 1);
  EXPECT_EQ(metrics_.oldest_pending_age_seconds.Add({{"queue", "jobs"}}).Value(), 5);
}

}  // namespace
}  // namespace crmsync::work_queue

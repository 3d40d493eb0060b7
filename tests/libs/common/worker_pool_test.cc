#include "libs/common/worker_pool.h"

#include <atomic>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace crmsync {
namespace {

TEST(WorkerPool, ABusyPoolQueuesUpToItsCapacityAndRefusesMore) {
  WorkerPool pool(/*threads=*/1, /*queue_capacity=*/2);
  absl::Notification started;
  absl::Notification release;
  ASSERT_TRUE(pool.TryRun([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));

  absl::BlockingCounter queued_ran(2);
  EXPECT_TRUE(pool.TryRun([&] { queued_ran.DecrementCount(); }));
  EXPECT_TRUE(pool.TryRun([&] { queued_ran.DecrementCount(); }));
  std::atomic<bool> refused_ran = false;
  EXPECT_FALSE(pool.TryRun([&] { refused_ran = true; }));

  release.Notify();
  queued_ran.Wait();
  // Room again once the queue has drained.
  absl::Notification later_ran;
  EXPECT_TRUE(pool.TryRun([&] { later_ran.Notify(); }));
  EXPECT_TRUE(later_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_FALSE(refused_ran);
}

TEST(WorkerPool, DestructionRunsWhatIsQueued) {
  std::atomic<int> ran = 0;
  {
    WorkerPool pool(/*threads=*/2, /*queue_capacity=*/10);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.TryRun([&] { ++ran; }));
  }
  EXPECT_EQ(ran, 10);
}

}  // namespace
}  // namespace crmsync

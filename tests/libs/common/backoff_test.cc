#include "libs/common/backoff.h"

#include "gtest/gtest.h"

namespace crmsync {
namespace {

TEST(Backoff, CeilingDoublesUpToTheCap) {
  const BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(1), 2.0};
  EXPECT_EQ(BackoffCeiling(policy, 1), absl::Milliseconds(100));
  EXPECT_EQ(BackoffCeiling(policy, 2), absl::Milliseconds(200));
  EXPECT_EQ(BackoffCeiling(policy, 4), absl::Milliseconds(800));
  EXPECT_EQ(BackoffCeiling(policy, 5), absl::Seconds(1));
  EXPECT_EQ(BackoffCeiling(policy, 1000), absl::Seconds(1));
}

TEST(Backoff, DelayIsJitteredUnderTheCeiling) {
  const BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(10), 2.0};
  absl::BitGen random;
  absl::Duration smallest = absl::InfiniteDuration(), largest = absl::ZeroDuration();
  for (int i = 0; i < 1000; ++i) {
    const absl::Duration d = BackoffDelay(policy, 3, random);
    smallest = std::min(smallest, d);
    largest = std::max(largest, d);
  }
  EXPECT_GE(smallest, absl::ZeroDuration());
  EXPECT_LE(largest, absl::Milliseconds(400));
  EXPECT_LT(smallest, absl::Milliseconds(100));  // full jitter reaches low values
  EXPECT_GT(largest, absl::Milliseconds(300));
}

TEST(Backoff, RetryAfterIsAFloor) {
  const BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(10), 2.0};
  absl::BitGen random;
  EXPECT_GE(BackoffDelay(policy, 1, random, absl::Seconds(7)), absl::Seconds(7));
}

}  // namespace
}  // namespace crmsync

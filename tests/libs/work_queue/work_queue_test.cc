// Resolve: what each outcome of an attempt becomes.
#include "libs/work_queue/work_queue.h"

#include <gtest/gtest.h>

namespace crmsync::work_queue {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1795424400);

Claim Attempt(int n) {
  Claim claim;
  claim.key = "k";
  claim.attempt = n;
  return claim;
}

TEST(Resolve, ATransientErrorIsRetriedAfterAJitteredBackoffUnderItsCeiling) {
  absl::BitGen random;
  const RetryPolicy policy{5, {absl::Seconds(2), absl::Minutes(10), 2.0}};
  for (int attempt = 1; attempt <= 4; ++attempt) {
    const Resolution r =
        Resolve(Attempt(attempt), Outcome::Retry("451 later"), policy, kNow, random);
    EXPECT_EQ(r.kind, Resolution::Kind::kRetry);
    EXPECT_EQ(r.error, "451 later");
    EXPECT_GE(r.next_attempt, kNow);
    EXPECT_LE(r.next_attempt, kNow + BackoffCeiling(policy.backoff, attempt));
  }
}

TEST(Resolve, RetryAfterIsAFloor) {
  absl::BitGen random;
  const Resolution r =
      Resolve(Attempt(1), Outcome::Retry("429", absl::Minutes(3)), RetryPolicy{}, kNow, random);
  EXPECT_GE(r.next_attempt, kNow + absl::Minutes(3));
}

TEST(Resolve, TheLastAllowedAttemptFailingIsDeadWithTheCount) {
  absl::BitGen random;
  const Resolution r =
      Resolve(Attempt(3), Outcome::Retry("no route"), RetryPolicy{3, {}}, kNow, random);
  EXPECT_EQ(r.kind, Resolution::Kind::kDead);
  EXPECT_EQ(r.error, "gave up after 3 attempts: no route");
}

TEST(Resolve, ARefusalIsDeadAtOnceAndAnInterruptionIsGivenBackDueNow) {
  absl::BitGen random;
  const Resolution refused =
      Resolve(Attempt(1), Outcome::Refused("550 no such user"), RetryPolicy{}, kNow, random);
  EXPECT_EQ(refused.kind, Resolution::Kind::kDead);
  EXPECT_EQ(refused.error, "550 no such user");
  const Resolution interrupted =
      Resolve(Attempt(10), Outcome::Interrupted(), RetryPolicy{10, {}}, kNow, random);
  EXPECT_EQ(interrupted.kind, Resolution::Kind::kReleased);
  EXPECT_EQ(interrupted.next_attempt, kNow);
}

TEST(Resolve, AnItemThatMustWaitIsGivenBackDueAfterTheWaitWithoutSpendingAnAttempt) {
  absl::BitGen random;
  const Resolution later =
      Resolve(Attempt(10), Outcome::Later("parent not created", absl::Seconds(5)),
              RetryPolicy{10, {}}, kNow, random);
  EXPECT_EQ(later.kind, Resolution::Kind::kReleased);
  EXPECT_EQ(later.next_attempt, kNow + absl::Seconds(5));
  EXPECT_EQ(later.error, "parent not created");
}

}  // namespace
}  // namespace crmsync::work_queue

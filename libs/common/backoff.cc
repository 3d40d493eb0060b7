#include "libs/common/backoff.h"

#include <algorithm>
#include <cmath>

namespace crmsync {

absl::Duration BackoffCeiling(const BackoffPolicy& policy, int attempt) {
  const int exponent = std::max(0, attempt - 1);
  // Past 2^62 the product overflows; the cap is long reached by then.
  const double factor = std::pow(policy.multiplier, std::min(exponent, 62));
  const absl::Duration ceiling = policy.initial * factor;
  return std::min(ceiling, policy.cap);
}

absl::Duration BackoffDelay(const BackoffPolicy& policy, int attempt, absl::BitGenRef random,
                            std::optional<absl::Duration> retry_after) {
  const double ceiling_ms = absl::ToDoubleMilliseconds(BackoffCeiling(policy, attempt));
  absl::Duration delay = absl::Milliseconds(absl::Uniform(random, 0.0, ceiling_ms));
  if (retry_after.has_value()) delay = std::max(delay, *retry_after);
  return delay;
}

}  // namespace crmsync

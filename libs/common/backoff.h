// Exponential backoff with full jitter (the AWS architecture blog's "full jitter"): the delay
// before retry n (n >= 1) is uniform in [0, min(cap, initial * multiplier^(n-1))]. A server's
// Retry-After, when given, is a floor.
#ifndef CRMSYNC_LIBS_COMMON_BACKOFF_H_
#define CRMSYNC_LIBS_COMMON_BACKOFF_H_

#include <optional>

#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/time/time.h"

namespace crmsync {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(200);
  absl::Duration cap = absl::Seconds(30);
  double multiplier = 2.0;
};

// The ceiling of the delay before retry `attempt` (1-based): min(cap, initial*multiplier^(n-1)).
absl::Duration BackoffCeiling(const BackoffPolicy& policy, int attempt);

// The delay before retry `attempt`: full jitter under the ceiling, never below `retry_after`.
absl::Duration BackoffDelay(const BackoffPolicy& policy, int attempt, absl::BitGenRef random,
                            std::optional<absl::Duration> retry_after = std::nullopt);

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_BACKOFF_H_

// What the benchmarks that drive a service at a fixed concurrency share: running one call from
// several threads for a while, and its rate and latency percentiles.
#ifndef CRMSYNC_BENCH_SUPPORT_LOAD_H_
#define CRMSYNC_BENCH_SUPPORT_LOAD_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace crmsync::bench {

// One call from thread `thread` (0..concurrency-1): empty when it succeeded, else what went wrong.
using Call = std::function<std::string(int thread)>;

// What runs of one call add up to.
struct Samples {
  std::vector<absl::Duration> latencies;  // of successful calls only
  absl::Duration elapsed;
  int failures = 0;
  std::string first_failure;
};

// Runs `call` in a loop from `concurrency` threads for `duration`, adding to `samples`.
void Run(int concurrency, absl::Duration duration, const Call& call, Samples& samples);

struct Figures {
  double per_second = 0;  // successful calls
  absl::Duration p50, p99;
  int failures = 0;
};

// The rate and percentiles of `samples` (sorts its latencies); zero when none succeeded.
Figures Summarize(Samples& samples);

}  // namespace crmsync::bench

#endif  // CRMSYNC_BENCH_SUPPORT_LOAD_H_

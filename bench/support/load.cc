#include "bench/support/load.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "absl/time/clock.h"

namespace crmsync::bench {

void Run(int concurrency, absl::Duration duration, const Call& call, Samples& samples) {
  std::vector<std::vector<absl::Duration>> latencies(concurrency);
  std::vector<std::string> first_failures(concurrency);
  std::vector<int> failures(concurrency);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      while (!stop.load(std::memory_order_relaxed)) {
        const absl::Time before = absl::Now();
        std::string failure = call(t);
        if (failure.empty()) {
          latencies[t].push_back(absl::Now() - before);
        } else if (failures[t]++ == 0) {
          first_failures[t] = std::move(failure);
        }
      }
    });
  }
  absl::SleepFor(duration);
  stop = true;
  for (auto& thread : threads) thread.join();
  samples.elapsed += absl::Now() - start;
  for (int t = 0; t < concurrency; ++t) {
    samples.latencies.insert(samples.latencies.end(), latencies[t].begin(), latencies[t].end());
    samples.failures += failures[t];
    if (samples.first_failure.empty()) samples.first_failure = first_failures[t];
  }
}

Figures Summarize(Samples& samples) {
  Figures figures;
  figures.failures = samples.failures;
  auto& all = samples.latencies;
  if (all.empty()) return figures;
  std::sort(all.begin(), all.end());
  figures.per_second = all.size() / absl::ToDoubleSeconds(samples.elapsed);
  figures.p50 = all[all.size() / 2];
  figures.p99 = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  return figures;
}

}  // namespace crmsync::bench

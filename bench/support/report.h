// What a benchmark reports beside its own printed lines, for the one table ./scripts/bench ends
// with: each figure with its target and verdict (and the baseline a ratio target is taken
// against), each service's resident memory idle and under load, and progress lines while it runs.
// Records are appended, one tab-separated line each, to the file named by the environment
// variable CRMSYNC_BENCH_REPORT; without it they go nowhere and only the benchmark's own output
// shows its figures.
#ifndef CRMSYNC_BENCH_SUPPORT_REPORT_H_
#define CRMSYNC_BENCH_SUPPORT_REPORT_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace crmsync::bench {

// The bound a figure must keep, as the issue that set it words it.
struct Target {
  enum class Op { kBelow, kAtMost, kAtLeast };
  Op op;
  double bound;
  absl::string_view unit;  // of `bound`, "" for a ratio

  // Whether `value` (in `unit`) keeps the bound.
  bool MetBy(double value) const;
  // E.g. "< 5 ms", ">= 0.7".
  std::string Text() const;
};
constexpr Target Below(double bound, absl::string_view unit = "") {
  return {Target::Op::kBelow, bound, unit};
}
constexpr Target AtMost(double bound, absl::string_view unit = "") {
  return {Target::Op::kAtMost, bound, unit};
}
constexpr Target AtLeast(double bound, absl::string_view unit = "") {
  return {Target::Op::kAtLeast, bound, unit};
}

// Appends a figure of the benchmark's run to the report file: its `name` (what was measured and
// on what, e.g. "GetAccessToken p99, concurrency 32"), `value` in `unit` ("" for a ratio) written
// with `decimals`, its `target` if it has one with whether the value met it, and, where the target
// is a ratio, the `baseline` measured in the same run with its unit.
void Report(absl::string_view name, double value, absl::string_view unit, int decimals,
            std::optional<Target> target = std::nullopt, absl::string_view baseline = "");

// "met" or "NOT met": how a benchmark prints a figure against its target.
const char* Verdict(bool met);

// A process's resident memory, from /proc/<pid>/status; zeros when it cannot be read.
struct Memory {
  int64_t resident_kib = 0;  // VmRSS
  int64_t peak_kib = 0;      // VmHWM: the highest VmRSS since start or since ResetPeakMemory
};
Memory ReadMemory(pid_t pid);

// Makes VmHWM start again from the current VmRSS (clear_refs 5), so that a later peak is that of
// the load rather than of start-up. False when the kernel refused.
bool ResetPeakMemory(pid_t pid);

// Appends the memory of `service` idle (after start, before load) and under `load` (read at its
// end: VmRSS then, and the peak since idle) to the report file.
void ReportMemory(absl::string_view service, absl::string_view load, const Memory& idle,
                  const Memory& under_load);

// Prints "[<benchmark> <seconds since its first progress line>] <what>" on stderr: the phase a
// long run is in.
void Progress(absl::string_view what);

}  // namespace crmsync::bench

#endif  // CRMSYNC_BENCH_SUPPORT_REPORT_H_

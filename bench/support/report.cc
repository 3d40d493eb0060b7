#include "bench/support/report.h"

#include <errno.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace crmsync::bench {
namespace {

// The benchmark's name in the report: its binary's name without the "bench_" every one has.
std::string BenchmarkName() {
  return std::string(absl::StripPrefix(program_invocation_short_name, "bench_"));
}

// Appends one line of tab-separated `fields` to the report file, if there is one. One write per
// line, in append mode, so the lines of a benchmark stay whole.
void Append(const std::vector<std::string>& fields) {
  const char* path = std::getenv("CRMSYNC_BENCH_REPORT");
  if (path == nullptr || *path == '\0') return;
  std::vector<std::string> clean;
  for (const std::string& field : fields) {
    clean.push_back(absl::StrReplaceAll(field, {{"\t", " "}, {"\n", " "}}));
  }
  std::ofstream(path, std::ios::app) << absl::StrJoin(clean, "\t") + "\n" << std::flush;
}

std::string WithUnit(absl::string_view number, absl::string_view unit) {
  return unit.empty() ? std::string(number) : absl::StrCat(number, " ", unit);
}

}  // namespace

bool Target::MetBy(double value) const {
  switch (op) {
    case Op::kBelow:
      return value < bound;
    case Op::kAtMost:
      return value <= bound;
    case Op::kAtLeast:
      return value >= bound;
  }
  return false;
}

std::string Target::Text() const {
  const char* sign = op == Op::kBelow ? "<" : op == Op::kAtMost ? "<=" : ">=";
  return absl::StrCat(sign, " ", WithUnit(absl::StrFormat("%g", bound), unit));
}

void Report(absl::string_view name, double value, absl::string_view unit, int decimals,
            std::optional<Target> target, absl::string_view baseline) {
  Append({"FIGURE", BenchmarkName(), std::string(name),
          WithUnit(absl::StrFormat("%.*f", decimals, value), unit), target ? target->Text() : "",
          target ? Verdict(target->MetBy(value)) : "", std::string(baseline)});
}

const char* Verdict(bool met) { return met ? "met" : "NOT met"; }

Memory ReadMemory(pid_t pid) {
  Memory memory;
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    int64_t* field = absl::ConsumePrefix(&rest, "VmRSS:")   ? &memory.resident_kib
                     : absl::ConsumePrefix(&rest, "VmHWM:") ? &memory.peak_kib
                                                            : nullptr;
    if (field != nullptr &&
        !absl::SimpleAtoi(absl::StripSuffix(absl::StripAsciiWhitespace(rest), " kB"), field)) {
      *field = 0;
    }
  }
  return memory;
}

bool ResetPeakMemory(pid_t pid) {
  std::ofstream clear_refs(absl::StrCat("/proc/", pid, "/clear_refs"));
  clear_refs << "5" << std::flush;
  return clear_refs.good();
}

void ReportMemory(absl::string_view service, absl::string_view load, const Memory& idle,
                  const Memory& under_load) {
  Append({"MEMORY", BenchmarkName(), std::string(service), std::string(load),
          absl::StrCat(idle.resident_kib), absl::StrCat(under_load.resident_kib),
          absl::StrCat(under_load.peak_kib)});
}

void Progress(absl::string_view what) {
  static const absl::Time start = absl::Now();
  std::fprintf(stderr, "[%s %.0f s] %s\n", BenchmarkName().c_str(),
               absl::ToDoubleSeconds(absl::Now() - start), std::string(what).c_str());
}

}  // namespace crmsync::bench

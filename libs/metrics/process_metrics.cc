#include "libs/metrics/process_metrics.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>

#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"
#include "prometheus/metric_type.h"

namespace crmsync::metrics {
namespace {

prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return {std::move(name), std::move(help), type, {metric}};
}

// Seconds since the epoch at which the machine booted (the btime line of /proc/stat).
double BootTimeSeconds() {
  std::ifstream stat("/proc/stat");
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime") {
      stat >> value;
      return value;
    }
    stat.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessMetrics::Collect() const {
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may hold spaces.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> values{std::istream_iterator<std::string>(fields),
                                  std::istream_iterator<std::string>()};
  // proc(5) numbers fields from 1 with the pid; values[0] is field 3 (state).
  auto field = [&](int number) { return std::stod(values.at(number - 3)); };
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page_size = static_cast<double>(sysconf(_SC_PAGESIZE));
  double open_fds = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++open_fds;
  }
  static const double boot_time = BootTimeSeconds();
  using prometheus::MetricType;
  return {
      Family("process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
             MetricType::Counter, (field(14) + field(15)) / ticks),
      Family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
             field(24) * page_size),
      Family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
             field(23)),
      Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, open_fds),
      Family("process_start_time_seconds", "Start time of the process since the epoch, seconds.",
             MetricType::Gauge, boot_time + field(22) / ticks),
  };
}

}  // namespace crmsync::metrics

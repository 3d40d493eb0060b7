// Process metrics in the Prometheus client conventions (process_resident_memory_bytes,
// process_virtual_memory_bytes, process_cpu_seconds_total, process_open_fds,
// process_start_time_seconds), read from /proc/self at each scrape.
#ifndef CRMSYNC_LIBS_METRICS_PROCESS_METRICS_H_
#define CRMSYNC_LIBS_METRICS_PROCESS_METRICS_H_

#include <vector>

#include "prometheus/collectable.h"

namespace crmsync::metrics {

class ProcessMetrics : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace crmsync::metrics

#endif  // CRMSYNC_LIBS_METRICS_PROCESS_METRICS_H_

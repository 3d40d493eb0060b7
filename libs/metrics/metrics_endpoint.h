// The Prometheus endpoint of a crmsync process: GET /metrics on its own HTTP port, serving one
// registry plus the process metrics (resident and virtual memory, CPU seconds, open fds, start
// time) and crmsync_build_info{service,version}.
#ifndef CRMSYNC_LIBS_METRICS_METRICS_ENDPOINT_H_
#define CRMSYNC_LIBS_METRICS_METRICS_ENDPOINT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "prometheus/exposer.h"
#include "prometheus/registry.h"

namespace crmsync::metrics {

class MetricsEndpoint {
 public:
  // Listens on host:port (port 0 picks a free one); UNAVAILABLE when the port cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(absl::string_view host, int port,
                                                                absl::string_view service);
  ~MetricsEndpoint();

  prometheus::Registry& registry() { return *registry_; }
  int port() const { return port_; }

 private:
  MetricsEndpoint() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> process_metrics_;
  int port_ = 0;
};

// Histogram buckets in seconds for request latencies: 0.5 ms to 10 s, with a bucket at each
// latency target crmsync states (1, 5, 50 ms, 1 s).
const std::vector<double>& LatencyBucketsSeconds();

}  // namespace crmsync::metrics

#endif  // CRMSYNC_LIBS_METRICS_METRICS_ENDPOINT_H_

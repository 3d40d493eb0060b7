#include "libs/metrics/metrics_endpoint.h"

#include "absl/strings/str_cat.h"
#include "libs/metrics/process_metrics.h"
#include "prometheus/gauge.h"

namespace crmsync::metrics {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(absl::string_view host,
                                                                        int port,
                                                                        absl::string_view service) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint);
  const std::string address = absl::StrCat(host, ":", port);
  try {
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/2);
  } catch (const std::exception& error) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", error.what()));
  }
  endpoint->registry_ = std::make_shared<prometheus::Registry>();
  endpoint->process_metrics_ = std::make_shared<ProcessMetrics>();
  prometheus::BuildGauge()
      .Name("crmsync_build_info")
      .Help("Always 1; its labels name the service and its version.")
      .Register(*endpoint->registry_)
      .Add({{"service", std::string(service)}, {"version", CRMSYNC_VERSION}})
      .Set(1);
  endpoint->exposer_->RegisterCollectable(endpoint->registry_);
  endpoint->exposer_->RegisterCollectable(endpoint->process_metrics_);
  const std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
  endpoint->port_ = ports.empty() ? port : ports.front();
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() = default;

const std::vector<double>& LatencyBucketsSeconds() {
  static const auto* buckets = new std::vector<double>{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

}  // namespace crmsync::metrics

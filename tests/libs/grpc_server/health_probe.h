// What a Kubernetes grpc probe sees: grpc.health.v1 Check against a port on 127.0.0.1, from a
// new channel each time.
#ifndef CRMSYNC_TESTS_LIBS_GRPC_SERVER_HEALTH_PROBE_H_
#define CRMSYNC_TESTS_LIBS_GRPC_SERVER_HEALTH_PROBE_H_

#include <string>

#include "absl/time/time.h"
#include "grpc/health/v1/health.pb.h"

namespace crmsync::testing {

// The status `service` reports on `port`; UNKNOWN when the call itself fails.
grpc::health::v1::HealthCheckResponse::ServingStatus Health(int port, const std::string& service);

// Probes until `service` reports `status` or `timeout` passes; true when it did.
bool WaitForHealth(int port, const std::string& service,
                   grpc::health::v1::HealthCheckResponse::ServingStatus status,
                   absl::Duration timeout);

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_LIBS_GRPC_SERVER_HEALTH_PROBE_H_

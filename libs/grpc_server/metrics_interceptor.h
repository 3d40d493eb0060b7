// Per-method gRPC server metrics, recorded by an interceptor on every call:
//   crmsync_grpc_server_handled_total{grpc_method,grpc_code}   calls finished, by status code
//   crmsync_grpc_server_handling_seconds{grpc_method}          time from arrival to status
//   crmsync_grpc_server_in_flight                              calls started and not finished
// grpc_method is the full method name ("/crmsync.auth.v1.AuthService/GetAccessToken"): bounded.
#ifndef CRMSYNC_LIBS_GRPC_SERVER_METRICS_INTERCEPTOR_H_
#define CRMSYNC_LIBS_GRPC_SERVER_METRICS_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <memory>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace crmsync {

class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `in_flight` counts the calls between their arrival and the end of their last operation;
  // it must outlive the server. The runtime's drain waits on it.
  MetricsInterceptorFactory(prometheus::Registry& registry, std::atomic<int>& in_flight);
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Gauge& in_flight_gauge_;
  std::atomic<int>& in_flight_;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_GRPC_SERVER_METRICS_INTERCEPTOR_H_

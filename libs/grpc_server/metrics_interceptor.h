// Per-method gRPC server metrics, recorded by an interceptor on every call:
//   crmsync_grpc_server_handled_total{grpc_method,grpc_code}   calls finished, by status code
//   crmsync_grpc_server_handling_seconds{grpc_method}          time from arrival to status
// grpc_method is the full method name ("/crmsync.auth.v1.AuthService/GetAccessToken"): bounded.
#ifndef CRMSYNC_LIBS_GRPC_SERVER_METRICS_INTERCEPTOR_H_
#define CRMSYNC_LIBS_GRPC_SERVER_METRICS_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace crmsync {

class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(prometheus::Registry& registry);
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_GRPC_SERVER_METRICS_INTERCEPTOR_H_

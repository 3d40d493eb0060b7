// Per-method gRPC server metrics, recorded by an interceptor on every call:
//   crmsync_grpc_server_handled_total{grpc_method,grpc_code}   calls finished, by status code
//   crmsync_grpc_server_handling_seconds{grpc_method}          time from arrival to status
//   crmsync_grpc_server_in_flight                              calls started and not finished
// grpc_method is the full method name ("/crmsync.auth.v1.AuthService/GetAccessToken"): bounded.
// A call that ends INTERNAL or UNKNOWN is also logged once, at level error, with its method,
// code and message ({"msg":"call failed","grpc_method":…,"grpc_code":…,"error":…}); status
// messages therefore must never carry a secret.
#ifndef CRMSYNC_LIBS_GRPC_SERVER_METRICS_INTERCEPTOR_H_
#define CRMSYNC_LIBS_GRPC_SERVER_METRICS_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace crmsync {

// The calls a server has started and not finished; the runtime's drain waits on it.
class InFlightCalls {
 public:
  void Add();
  void Remove();
  int count() const;
  // True as soon as no call is in flight; false when `deadline` comes first.
  bool WaitForNone(absl::Time deadline) const;

 private:
  mutable absl::Mutex mutex_;
  int count_ ABSL_GUARDED_BY(mutex_) = 0;
};

class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `in_flight` counts the calls between their arrival and the end of their last operation;
  // it must outlive the server.
  MetricsInterceptorFactory(prometheus::Registry& registry, InFlightCalls& in_flight);
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Gauge& in_flight_gauge_;
  InFlightCalls& in_flight_;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_GRPC_SERVER_METRICS_INTERCEPTOR_H_

#include "libs/grpc_server/metrics_interceptor.h"

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "libs/common/log.h"
#include "libs/metrics/metrics_endpoint.h"

namespace crmsync {
namespace {

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(std::string method, prometheus::Family<prometheus::Counter>& handled,
                     prometheus::Family<prometheus::Histogram>& handling_seconds,
                     prometheus::Gauge& in_flight_gauge, InFlightCalls& in_flight)
      : method_(std::move(method)),
        handled_(handled),
        handling_seconds_(handling_seconds),
        in_flight_gauge_(in_flight_gauge),
        in_flight_(in_flight),
        start_(absl::Now()) {
    in_flight_.Add();
    in_flight_gauge_.Increment();
  }

  // gRPC destroys a call's interceptors when the call is done.
  ~MetricsInterceptor() override {
    in_flight_gauge_.Decrement();
    in_flight_.Remove();
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const std::string code =
          absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
      handled_.Add({{"grpc_method", method_}, {"grpc_code", code}}).Increment();
      // A server-side failure must be seen by operators, not only by the caller.
      if (status.error_code() == grpc::StatusCode::INTERNAL ||
          status.error_code() == grpc::StatusCode::UNKNOWN) {
        LogError(
            "call failed",
            {{"grpc_method", method_}, {"grpc_code", code}, {"error", status.error_message()}});
      }
      handling_seconds_.Add({{"grpc_method", method_}}, metrics::LatencyBucketsSeconds())
          .Observe(absl::ToDoubleSeconds(absl::Now() - start_));
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Gauge& in_flight_gauge_;
  InFlightCalls& in_flight_;
  const absl::Time start_;
};

}  // namespace

void InFlightCalls::Add() {
  absl::MutexLock lock(&mutex_);
  ++count_;
}

void InFlightCalls::Remove() {
  absl::MutexLock lock(&mutex_);
  --count_;
}

int InFlightCalls::count() const {
  absl::MutexLock lock(&mutex_);
  return count_;
}

bool InFlightCalls::WaitForNone(absl::Time deadline) const {
  absl::MutexLock lock(&mutex_);
  const auto none = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return count_ == 0; };
  return mutex_.AwaitWithDeadline(absl::Condition(&none), deadline);
}

MetricsInterceptorFactory::MetricsInterceptorFactory(prometheus::Registry& registry,
                                                     InFlightCalls& in_flight)
    : handled_(prometheus::BuildCounter()
                   .Name("crmsync_grpc_server_handled_total")
                   .Help("gRPC calls finished by this server, by method and status code.")
                   .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("crmsync_grpc_server_handling_seconds")
                            .Help("Time from a gRPC call's arrival to its status, in seconds.")
                            .Register(registry)),
      in_flight_gauge_(prometheus::BuildGauge()
                           .Name("crmsync_grpc_server_in_flight")
                           .Help("gRPC calls this server has started and not finished.")
                           .Register(registry)
                           .Add({})),
      in_flight_(in_flight) {}

grpc::experimental::Interceptor* MetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new MetricsInterceptor(info->method(), handled_, handling_seconds_, in_flight_gauge_,
                                in_flight_);
}

}  // namespace crmsync

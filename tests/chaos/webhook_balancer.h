// The load balancer in front of sync's webhook receivers in the chaos test, as a Kubernetes
// Service is in front of sync's replicas: Zoho's webhooks reach one public URL, which hands each
// request to a replica (picked at random) and to the other one when that one does not answer.
// A request no replica takes is answered 502, which Zoho does not retry.
#ifndef CRMSYNC_TESTS_CHAOS_WEBHOOK_BALANCER_H_
#define CRMSYNC_TESTS_CHAOS_WEBHOOK_BALANCER_H_

#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "httplib.h"

namespace crmsync::testing {

class WebhookBalancer {
 public:
  // Listens on 127.0.0.1:`port` (0: a free one) and forwards every POST, path and query kept, to
  // the replicas at `upstream_ports` on 127.0.0.1.
  static absl::StatusOr<std::unique_ptr<WebhookBalancer>> Start(std::vector<int> upstream_ports,
                                                                uint64_t seed);
  ~WebhookBalancer();

  // "http://127.0.0.1:<port>".
  std::string base_url() const;

 private:
  WebhookBalancer(std::vector<int> upstream_ports, uint64_t seed)
      : upstream_ports_(std::move(upstream_ports)), random_(seed) {}
  void Forward(const httplib::Request& request, httplib::Response& response);

  std::vector<int> upstream_ports_;
  std::mutex mutex_;  // guards random_
  std::mt19937_64 random_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_CHAOS_WEBHOOK_BALANCER_H_

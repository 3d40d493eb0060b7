#include "tests/chaos/webhook_balancer.h"

#include "absl/strings/str_cat.h"

namespace crmsync::testing {

absl::StatusOr<std::unique_ptr<WebhookBalancer>> WebhookBalancer::Start(
    std::vector<int> upstream_ports, uint64_t seed) {
  auto balancer =
      std::unique_ptr<WebhookBalancer>(new WebhookBalancer(std::move(upstream_ports), seed));
  WebhookBalancer* self = balancer.get();
  balancer->server_.Post(".*",
                         [self](const httplib::Request& request, httplib::Response& response) {
                           self->Forward(request, response);
                         });
  balancer->port_ = balancer->server_.bind_to_any_port("127.0.0.1");
  if (balancer->port_ <= 0) return absl::UnavailableError("the webhook balancer cannot bind");
  balancer->thread_ = std::thread([self] { self->server_.listen_after_bind(); });
  return balancer;
}

WebhookBalancer::~WebhookBalancer() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string WebhookBalancer::base_url() const { return absl::StrCat("http://127.0.0.1:", port_); }

void WebhookBalancer::Forward(const httplib::Request& request, httplib::Response& response) {
  size_t first = 0;
  {
    std::lock_guard lock(mutex_);
    first = std::uniform_int_distribution<size_t>(0, upstream_ports_.size() - 1)(random_);
  }
  const std::string content_type = request.get_header_value("Content-Type");
  for (size_t i = 0; i < upstream_ports_.size(); ++i) {
    httplib::Client client("127.0.0.1", upstream_ports_[(first + i) % upstream_ports_.size()]);
    client.set_connection_timeout(1);
    client.set_read_timeout(5);
    // A replica that is down refuses the connection: the request goes to the next one, as a
    // Service routes around a pod that is not ready. One that took the request and failed
    // answers for itself.
    if (auto upstream = client.Post(request.target, request.body, content_type)) {
      response.status = upstream->status;
      response.set_content(upstream->body, upstream->get_header_value("Content-Type"));
      return;
    }
  }
  response.status = 502;
}

}  // namespace crmsync::testing

// The HTTP client interface every outbound call of crmsync goes through, and its libcurl
// implementation. Code that talks to a remote API takes an `HttpClient&`, so its tests can hand
// it a fake, and only main() picks CurlHttpClient.
//
// Transport failures are statuses, never exceptions:
//   UNAVAILABLE        connection refused or reset, DNS failure, empty or truncated reply
//   DEADLINE_EXCEEDED  the connect or total timeout passed
//   FAILED_PRECONDITION the server's TLS certificate did not verify
//   INVALID_ARGUMENT   a malformed URL or a scheme other than http/https
//   RESOURCE_EXHAUSTED the response body exceeded the configured maximum
//   CANCELLED          the request's `cancelled` check asked to stop
// An HTTP error status (4xx, 5xx) is not a failure here: it is a Response for the caller to judge.
#ifndef CRMSYNC_LIBS_HTTP_HTTP_CLIENT_H_
#define CRMSYNC_LIBS_HTTP_HTTP_CLIENT_H_

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crmsync::http {

enum class Method { kGet, kPost, kPut, kPatch, kDelete };

// "GET", "POST", ...
absl::string_view MethodName(Method method);

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Method method = Method::kGet;
  std::string url = {};
  Headers headers = {};
  std::string body = {};
  // Overrides the client's total timeout for this request.
  std::optional<absl::Duration> timeout = {};
  // Polled while the request is in flight (at least about once a second); returning true
  // aborts it with CANCELLED, e.g. when the process is shutting down.
  std::function<bool()> cancelled = {};
  // A POST is assumed to have effects that must not be repeated; set this when repeating it is
  // harmless (e.g. an update that sets fields), so that timeouts and resets may be retried.
  bool post_is_idempotent = false;
};

// Whether repeating `request` after an unknown outcome is harmless.
bool IsIdempotent(const Request& request);

struct Response {
  int status = 0;
  Headers headers = {};  // names in lower case, in the order received
  std::string body = {};

  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(absl::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends `request` and returns the server's response, whatever its status code. Thread-safe.
  virtual absl::StatusOr<Response> Send(const Request& request) = 0;
};

// An HttpClient that bounds every request sent through `inner` by `deadline` (a caller's, e.g.
// its gRPC deadline): a request's own timeout is cut to the time left, and a request in flight
// when the deadline passes is aborted at the next `cancelled` poll (about a second). Once the
// deadline has passed, DEADLINE_EXCEEDED without sending; an abort for it is DEADLINE_EXCEEDED.
class DeadlineHttpClient : public HttpClient {
 public:
  // `inner` must outlive this client.
  DeadlineHttpClient(HttpClient& inner, absl::Time deadline) : inner_(inner), deadline_(deadline) {}
  absl::StatusOr<Response> Send(const Request& request) override;

 private:
  HttpClient& inner_;
  const absl::Time deadline_;
};

// True when `status` says the request never reached the server (connection refused, DNS
// failure, connect timeout), so repeating it is harmless even for a non-idempotent request.
bool NotSent(const absl::Status& status);

// The URL without its query string and fragment, which may carry tokens: safe to log.
std::string RedactedUrl(absl::string_view url);

struct CurlOptions {
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration total_timeout = absl::Seconds(30);
  // Idle easy handles kept (each keeps its live connections for reuse).
  int max_idle_handles = 16;
  size_t max_response_bytes = 64 << 20;
  std::string user_agent = "crmsync/0.1";
  // A CA bundle other than the system's (tests with a private CA); empty = system default.
  std::string ca_file = {};
};

// HttpClient on libcurl. TLS peer and host verification are always on; redirects are not
// followed; only http and https are allowed. Connections are reused through a pool of easy
// handles. Never logs headers or bodies.
class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(CurlOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  absl::StatusOr<Response> Send(const Request& request) override;

 private:
  void* AcquireHandle();
  void ReleaseHandle(void* handle);

  const CurlOptions options_;
  std::mutex mutex_;
  std::vector<void*> idle_handles_;  // CURL*, kept opaque so callers need no curl headers
};

}  // namespace crmsync::http

#endif  // CRMSYNC_LIBS_HTTP_HTTP_CLIENT_H_

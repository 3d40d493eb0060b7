// When and how long to wait before repeating an HTTP request, and an HttpClient that does it.
//
// Retryable: 429 and 5xx responses, timeouts, resets and refused connections. A request whose
// outcome is unknown (timeout or reset after it was sent, or a 5xx) is repeated only if it is
// idempotent (see http::IsIdempotent); 429 and failures before sending are always safe to repeat.
// Everything else (2xx-4xx but 429, TLS and URL errors) is final. The delay is full-jitter
// exponential backoff (libs/common/backoff.h) with the server's Retry-After as a floor.
#ifndef CRMSYNC_LIBS_HTTP_RETRY_H_
#define CRMSYNC_LIBS_HTTP_RETRY_H_

#include <functional>
#include <optional>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/common/backoff.h"
#include "libs/common/clock.h"
#include "libs/http/http_client.h"

namespace crmsync::http {

struct RetryPolicy {
  BackoffPolicy backoff = {};
  int max_attempts = 4;  // including the first
  // A Retry-After longer than this makes the outcome final: the caller should reschedule the
  // work rather than hold a thread.
  absl::Duration max_retry_after = absl::Minutes(2);
};

// The wait a Retry-After header value asks for at `now`: delta-seconds or an HTTP-date (RFC
// 9110). nullopt when the value is neither; a date in the past is zero.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

// Whether `outcome` of `request` may be repeated, ignoring attempt counts and Retry-After.
bool IsRetryable(const Request& request, const absl::StatusOr<Response>& outcome);

// The delay before attempt `attempts_made + 1`, or nullopt when `outcome` is final: not
// retryable, attempts used up, or a Retry-After past policy.max_retry_after.
std::optional<absl::Duration> NextRetryDelay(const RetryPolicy& policy, const Request& request,
                                             const absl::StatusOr<Response>& outcome,
                                             int attempts_made, absl::Time now,
                                             absl::BitGenRef random);

// An HttpClient that repeats retryable outcomes of `inner` under `policy` and returns the last
// outcome (a final 429 or 5xx comes back as a Response). Logs each retry without the query
// string or headers. `sleep` is injectable for tests.
class RetryingHttpClient : public HttpClient {
 public:
  RetryingHttpClient(HttpClient& inner, RetryPolicy policy, const Clock& clock = RealClock(),
                     std::function<void(absl::Duration)> sleep = absl::SleepFor);

  absl::StatusOr<Response> Send(const Request& request) override;

 private:
  HttpClient& inner_;
  const RetryPolicy policy_;
  const Clock& clock_;
  const std::function<void(absl::Duration)> sleep_;
  absl::Mutex random_mutex_;
  absl::BitGen random_ ABSL_GUARDED_BY(random_mutex_);
};

}  // namespace crmsync::http

#endif  // CRMSYNC_LIBS_HTTP_RETRY_H_

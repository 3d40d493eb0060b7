#include "libs/http/retry.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"

namespace crmsync::http {

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  absl::Time when;
  std::string error;
  if (!absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", value, absl::UTCTimeZone(), &when, &error)) {
    return std::nullopt;
  }
  return std::max(absl::ZeroDuration(), when - now);
}

bool IsRetryable(const Request& request, const absl::StatusOr<Response>& outcome) {
  if (!outcome.ok()) {
    const absl::Status& status = outcome.status();
    if (NotSent(status)) return true;
    const bool transient = absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
    return transient && IsIdempotent(request);
  }
  if (outcome->status == 429) return true;
  if (outcome->status >= 500 && outcome->status <= 599) return IsIdempotent(request);
  return false;
}

std::optional<absl::Duration> NextRetryDelay(const RetryPolicy& policy, const Request& request,
                                             const absl::StatusOr<Response>& outcome,
                                             int attempts_made, absl::Time now,
                                             absl::BitGenRef random) {
  if (attempts_made >= policy.max_attempts || !IsRetryable(request, outcome)) return std::nullopt;
  std::optional<absl::Duration> retry_after;
  if (outcome.ok()) {
    if (auto header = outcome->Header("retry-after"); header.has_value()) {
      retry_after = ParseRetryAfter(*header, now);
    }
  }
  if (retry_after.has_value() && *retry_after > policy.max_retry_after) return std::nullopt;
  return BackoffDelay(policy.backoff, attempts_made, random, retry_after);
}

RetryingHttpClient::RetryingHttpClient(HttpClient& inner, RetryPolicy policy, const Clock& clock,
                                       std::function<void(absl::Duration)> sleep)
    : inner_(inner), policy_(std::move(policy)), clock_(clock), sleep_(std::move(sleep)) {}

absl::StatusOr<Response> RetryingHttpClient::Send(const Request& request) {
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<Response> outcome = inner_.Send(request);
    std::optional<absl::Duration> delay;
    {
      absl::MutexLock lock(&random_mutex_);
      delay = NextRetryDelay(policy_, request, outcome, attempt, clock_.Now(), random_);
    }
    if (!delay.has_value()) return outcome;
    LogWarning("http retry", {{"method", MethodName(request.method)},
                              {"url", RedactedUrl(request.url)},
                              {"attempt", attempt},
                              {"outcome", outcome.ok() ? absl::StrCat("HTTP ", outcome->status)
                                                       : outcome.status().ToString()},
                              {"delay_ms", absl::ToInt64Milliseconds(*delay)}});
    sleep_(*delay);
  }
}

}  // namespace crmsync::http

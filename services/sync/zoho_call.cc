#include "services/sync/zoho_call.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/http/retry.h"

namespace crmsync::sync {
namespace {

// Takes a permit of the grant's rate budget before each request (when there is a budget),
// counts each request by side and result, and keeps the Retry-After of the last reply that had
// one.
class ObservedHttp : public http::HttpClient {
 public:
  ObservedHttp(http::HttpClient& inner, SyncMetrics& metrics, absl::string_view portal_id,
               Side side, const ZohoRateLimit& rate_limit, absl::Time deadline)
      : inner_(inner),
        metrics_(metrics),
        portal_id_(portal_id),
        side_(side),
        rate_limit_(rate_limit),
        deadline_(deadline) {}

  absl::StatusOr<http::Response> Send(const http::Request& request) override {
    std::optional<RatePermit> permit;
    RateBudget* const budget = rate_limit_.budget;
    if (budget != nullptr) {
      const absl::Time permit_deadline =
          std::min(rate_limit_.clock->Now() + rate_limit_.wait, deadline_);
      absl::StatusOr<std::optional<RatePermit>> taken =
          rate_limit_.wait > absl::ZeroDuration()
              ? budget->Acquire(portal_id_, side_, permit_deadline)
              : budget->TryAcquire(portal_id_, side_);
      if (taken.ok() && !taken->has_value()) {
        taken = absl::DeadlineExceededError("no permit left now");
      }
      if (!taken.ok()) {
        throttled_ = true;
        return absl::ResourceExhaustedError(
            absl::StrCat("the rate budget of the portal's Zoho ", SideDisplayName(side_),
                         " grant stayed spent: ", taken.status().message()));
      }
      permit = **std::move(taken);
    }
    absl::StatusOr<http::Response> response = inner_.Send(request);
    if (permit) {
      // A slot not given back is freed when its lease ends.
      if (absl::Status released = budget->Release(*permit); !released.ok()) {
        LogWarning("a Zoho rate permit was not released", {{"error", released.ToString()}});
      }
    }
    if (!response.ok()) {
      metrics_.ZohoCall(side_, "error");
      return response;
    }
    const int status = response->status;
    metrics_.ZohoCall(side_, status < 400    ? "ok"
                             : status == 401 ? "401"
                             : status == 429 ? "429"
                             : status >= 500 ? "5xx"
                                             : "4xx");
    if (auto header = response->Header("Retry-After")) {
      retry_after_ = http::ParseRetryAfter(*header, absl::Now());
    }
    return response;
  }

  std::optional<absl::Duration> retry_after() const { return retry_after_; }
  // Whether a request was refused for want of a permit.
  bool throttled() const { return throttled_; }

 private:
  http::HttpClient& inner_;
  SyncMetrics& metrics_;
  const absl::string_view portal_id_;
  const Side side_;
  const ZohoRateLimit& rate_limit_;
  const absl::Time deadline_;
  std::optional<absl::Duration> retry_after_;
  bool throttled_ = false;
};

}  // namespace

ZohoCaller::ZohoCaller(AuthTokens& tokens, http::HttpClient& http, SyncMetrics& metrics,
                       ZohoRateLimit rate_limit)
    : tokens_(tokens), http_(http), metrics_(metrics), rate_limit_(rate_limit) {}

absl::Status ZohoCaller::RunCall(absl::string_view portal_id, Side side,
                                 const std::vector<std::string>& scopes, absl::Time deadline,
                                 const Call& call, ZohoCallOutcome& outcome) {
  std::optional<http::DeadlineHttpClient> bounded;
  if (deadline != absl::InfiniteFuture()) bounded.emplace(http_, deadline);
  http::HttpClient& inner = bounded ? static_cast<http::HttpClient&>(*bounded) : http_;
  ObservedHttp http(inner, metrics_, portal_id, side, rate_limit_, deadline);
  absl::StatusOr<ApiToken> token = tokens_.Get(portal_id, side, scopes, "", deadline);
  if (!token.ok()) {
    outcome.no_token = true;
    return token.status();
  }
  absl::Status status = call(http, *token);
  if (absl::IsUnauthenticated(status)) {
    token = tokens_.Get(portal_id, side, scopes, token->access_token, deadline);
    if (!token.ok()) {
      outcome.no_token = true;
      return token.status();
    }
    status = call(http, *token);
  }
  outcome.retry_after = http.retry_after();
  outcome.throttled = http.throttled() && absl::IsResourceExhausted(status);
  return status;
}

}  // namespace crmsync::sync

// Every call sync makes to Zoho's APIs goes through a ZohoCaller: it asks crmsync-auth for a
// token of the portal's grant, and when Zoho refuses the token (401) reports it to auth as
// rejected_access_token and makes the call once more with the token auth gives then. Each HTTP
// call first takes a permit of the grant's rate budget on its side (rate_budget.h), so the
// replicas together stay under Zoho's limits whatever they call for (delivery's writes, the
// inbox's reads, the rules' reads), and is counted in crmsync_sync_zoho_calls_total{side,result}.
#ifndef CRMSYNC_SERVICES_SYNC_ZOHO_CALL_H_
#define CRMSYNC_SERVICES_SYNC_ZOHO_CALL_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/common/clock.h"
#include "libs/common/side.h"
#include "libs/http/http_client.h"
#include "services/sync/auth_tokens.h"
#include "services/sync/metrics.h"
#include "services/sync/rate_budget.h"

namespace crmsync::sync {

// The rate budget calls take permits of: none when `budget` is null. A call waits up to `wait`
// on `clock` (the budget's), and never past its own deadline, for its permit; with no wait it
// takes one only if one is left now.
struct ZohoRateLimit {
  RateBudget* budget = nullptr;
  const Clock* clock = nullptr;
  absl::Duration wait;
};

// How a call went, beside its value.
struct ZohoCallOutcome {
  // True when auth gave no token: the value holds auth's status as it answered (NoUsableGrant
  // tells a portal without a usable grant from auth not answering).
  bool no_token = false;
  // The Retry-After of the last reply that had one (429, 5xx).
  std::optional<absl::Duration> retry_after;
  // True when the call failed because the grant's rate budget stayed spent: a request was not
  // sent for want of a permit (RESOURCE_EXHAUSTED).
  bool throttled = false;
};

// A call's value, or the error of auth (no_token) or of Zoho.
template <typename T>
struct ZohoCallResult : ZohoCallOutcome {
  absl::StatusOr<T> value = absl::UnknownError("no call was made");
};

class ZohoCaller {
 public:
  // All references, and those of `rate_limit`, must outlive this.
  ZohoCaller(AuthTokens& tokens, http::HttpClient& http, SyncMetrics& metrics,
             ZohoRateLimit rate_limit = {});

  // Runs `call` with a token of `portal_id`'s grant on `side` holding `scopes`, once more with a
  // fresh token when it fails UNAUTHENTICATED (Zoho's 401). Every HTTP request it sends is
  // bounded by `deadline` (none for InfiniteFuture), first takes a permit, and is counted by
  // its result; a budget spent until the permit's wait ends fails that request
  // RESOURCE_EXHAUSTED without sending it.
  template <typename T>
  ZohoCallResult<T> Run(
      absl::string_view portal_id, Side side, const std::vector<std::string>& scopes,
      absl::Time deadline,
      const std::function<absl::StatusOr<T>(http::HttpClient&, const ApiToken&)>& call) {
    std::optional<T> value;
    ZohoCallResult<T> result;
    const absl::Status status = RunCall(
        portal_id, side, scopes, deadline,
        [&](http::HttpClient& http, const ApiToken& token) -> absl::Status {
          absl::StatusOr<T> got = call(http, token);
          if (!got.ok()) return got.status();
          value = *std::move(got);
          return absl::OkStatus();
        },
        result);
    if (status.ok()) {
      result.value = *std::move(value);
    } else {
      result.value = status;
    }
    return result;
  }

 private:
  // `call` with the HTTP client its requests go through and the token they carry.
  using Call = std::function<absl::Status(http::HttpClient&, const ApiToken&)>;

  absl::Status RunCall(absl::string_view portal_id, Side side,
                       const std::vector<std::string>& scopes, absl::Time deadline,
                       const Call& call, ZohoCallOutcome& outcome);

  AuthTokens& tokens_;
  http::HttpClient& http_;
  SyncMetrics& metrics_;
  const ZohoRateLimit rate_limit_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_ZOHO_CALL_H_

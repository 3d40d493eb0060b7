#include "services/sync/ingest/crm_watcher.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/crypto/digest.h"
#include "libs/zoho/crm_client.h"
#include "services/sync/ingest/webhook_receiver.h"

namespace crmsync::sync {
namespace {

// Channels one pass renews, and how long a replica holds each.
constexpr int kBatch = 20;
constexpr absl::Duration kLease = absl::Minutes(1);
constexpr absl::Duration kCallTimeout = absl::Seconds(30);

}  // namespace

int64_t NewCrmChannelId() {
  const std::string bytes = crypto::RandomBytes(sizeof(uint64_t));
  uint64_t value = 0;
  std::memcpy(&value, bytes.data(), sizeof(value));
  // 1 .. 2^53: positive, and exact wherever CRM's JSON numbers go through a double.
  return static_cast<int64_t>(value % (uint64_t{1} << 53)) + 1;
}

absl::Status CrmWatcher::Renew(const CrmWatchClaim& claim) {
  const absl::Time deadline = clock_.Now() + kCallTimeout;
  const std::string secret = NewWebhookSecret();
  zoho::CrmWatchSpec spec;
  spec.channel_id = claim.channel_id;
  spec.events = {"Tasks.all"};
  spec.notify_url = absl::StrCat(options_.public_url, "/webhooks/crm?portal_id=", claim.portal_id);
  spec.token = secret;
  spec.expiry = clock_.Now() + options_.lifetime;
  const char* result = "renewed";
  ZohoCallResult<std::vector<zoho::CrmWatchEvent>> called =
      caller_.Run<std::vector<zoho::CrmWatchEvent>>(
          claim.portal_id, Side::kCrm, {kCrmWatchScope}, deadline,
          [&](http::HttpClient& http,
              const ApiToken& token) -> absl::StatusOr<std::vector<zoho::CrmWatchEvent>> {
            zoho::CrmClient crm(http, token.api_domain);
            // CRM refuses to renew a channel it does not know (INVALID_DATA): then register it
            // anew.
            auto confirmed = crm.RenewWatch(token.access_token, spec);
            result = "renewed";
            if (absl::IsInvalidArgument(confirmed.status())) {
              confirmed = crm.EnableWatch(token.access_token, spec);
              result = "registered";
            }
            return confirmed;
          });
  if (!called.value.ok()) return called.value.status();
  const std::vector<zoho::CrmWatchEvent>& confirmed = *called.value;
  absl::Time expiry = *spec.expiry;
  for (const zoho::CrmWatchEvent& event : confirmed)
    expiry = std::min(expiry, event.channel_expiry);
  RETURN_IF_ERROR(
      store_.CrmWatchRenewed(claim.portal_id, WebhookSecretDigest(secret), expiry, clock_.Now()));
  metrics_.watch_channel_renewals.Add({{"result", result}}).Increment();
  LogInfo("CRM watch channel kept", {{"portal_id", claim.portal_id},
                                     {"channel_id", claim.channel_id},
                                     {"result", result},
                                     {"expire_time", absl::FormatTime(expiry)}});
  return absl::OkStatus();
}

absl::StatusOr<int> CrmWatcher::RunOnce() {
  const absl::Time now = clock_.Now();
  absl::StatusOr<std::vector<CrmWatchClaim>> claims =
      store_.ClaimCrmWatches(now, now + options_.lifetime / 2, now + kLease, kBatch);
  if (!claims.ok()) return claims.status();
  for (const CrmWatchClaim& claim : *claims) {
    if (absl::Status status = Renew(claim); !status.ok()) {
      metrics_.watch_channel_renewals.Add({{"result", "failed"}}).Increment();
      LogWarning("CRM watch channel could not be renewed; it will be tried again",
                 {{"portal_id", claim.portal_id},
                  {"channel_id", claim.channel_id},
                  {"error", status.ToString()}});
      RETURN_IF_ERROR(store_.CrmWatchFailed(claim.portal_id, status.ToString()));
    }
  }
  return static_cast<int>(claims->size());
}

void CrmWatcher::Run(const absl::Notification& stop) {
  const absl::Duration interval = std::min(options_.lifetime / 8, absl::Minutes(5));
  do {
    if (absl::StatusOr<int> ran = RunOnce(); !ran.ok()) {
      LogWarning("CRM watch channels could not be read", {{"error", ran.status().ToString()}});
    }
  } while (!stop.WaitForNotificationWithTimeout(interval));
}

}  // namespace crmsync::sync

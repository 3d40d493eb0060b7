// Where the webhook receivers keep what Zoho sent them: the inbox of accepted requests, each
// queued for processing, and the per-portal webhook secrets they check requests against.
// PgInboxStore is the implementation.
#ifndef CRMSYNC_SERVICES_SYNC_STORE_INBOX_STORE_H_
#define CRMSYNC_SERVICES_SYNC_STORE_INBOX_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/common/side.h"

namespace crmsync::sync {

// The work queue (libs/work_queue) that processes the inbox: one item per stored request, keyed
// by and carrying its inbox id.
inline constexpr char kInboxQueue[] = "sync_inbox";

// A request as stored: CRM's JSON body without its token, or the Projects webhook's parameters
// without the secret as a JSON array of [name, value] pairs.
struct InboxRequest {
  int64_t inbox_id = 0;
  std::string portal_id;
  Side side = Side::kUnspecified;
  std::string body;
  absl::Time receive_time;
};

// The SHA-256 digests (lower-case hex) of the secrets a portal's webhooks of one side may carry.
struct WebhookDigests {
  std::string current;
  // The secret a channel renewal replaced, still valid; "" when none.
  std::string previous;
};

// A CRM watch channel a replica holds for renewal.
struct CrmWatchClaim {
  std::string portal_id;
  int64_t channel_id = 0;
};

class InboxStore {
 public:
  virtual ~InboxStore() = default;

  // The digests of the portal's webhook secrets on `side`; nullopt when none was issued.
  virtual absl::StatusOr<std::optional<WebhookDigests>> WebhookSecretDigests(
      absl::string_view portal_id, Side side) = 0;
  // Records `secret_sha256` as the portal's only secret on `side`, replacing any other.
  virtual absl::Status SetWebhookSecretDigest(absl::string_view portal_id, Side side,
                                              absl::string_view secret_sha256, absl::Time now) = 0;

  // Records that the portal's CRM tasks are to be watched through channel `channel_id`, due for
  // registration now; returns the portal's channel id (the one recorded before, if any).
  virtual absl::StatusOr<int64_t> AddCrmWatch(absl::string_view portal_id, int64_t channel_id,
                                              absl::Time now) = 0;
  // Holds, until `lease_until`, up to `limit` channels not registered yet or expiring before
  // `renew_before` that no replica holds.
  virtual absl::StatusOr<std::vector<CrmWatchClaim>> ClaimCrmWatches(absl::Time now,
                                                                     absl::Time renew_before,
                                                                     absl::Time lease_until,
                                                                     int limit) = 0;
  // In one transaction: the channel expires at `expiry` and carries the token whose digest is
  // `token_sha256` (the portal's CRM secret; the one it replaces stays valid as the previous).
  virtual absl::Status CrmWatchRenewed(absl::string_view portal_id, absl::string_view token_sha256,
                                       absl::Time expiry, absl::Time now) = 0;
  // The renewal failed with `error`: the channel is due again.
  virtual absl::Status CrmWatchFailed(absl::string_view portal_id, absl::string_view error) = 0;

  // In one transaction: stores the request and queues its item on kInboxQueue, due now.
  // Returns its inbox id.
  virtual absl::StatusOr<int64_t> AddRequest(absl::string_view portal_id, Side side,
                                             absl::string_view body, absl::Time now) = 0;
  // The stored request; NOT_FOUND when there is none.
  virtual absl::StatusOr<InboxRequest> GetRequest(int64_t inbox_id) = 0;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_INBOX_STORE_H_

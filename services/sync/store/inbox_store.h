// Where the webhook receivers keep what Zoho sent them: the inbox of accepted requests, each
// queued for processing, and the per-portal webhook secrets they check requests against.
// PgInboxStore is the implementation.
#ifndef CRMSYNC_SERVICES_SYNC_STORE_INBOX_STORE_H_
#define CRMSYNC_SERVICES_SYNC_STORE_INBOX_STORE_H_

#include <cstdint>
#include <optional>
#include <string>

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

class InboxStore {
 public:
  virtual ~InboxStore() = default;

  // The SHA-256 (lower-case hex) of the portal's webhook secret on `side`; nullopt when none
  // was issued.
  virtual absl::StatusOr<std::optional<std::string>> WebhookSecretDigest(
      absl::string_view portal_id, Side side) = 0;
  // Records `secret_sha256` as the portal's secret on `side`, replacing the previous one.
  virtual absl::Status SetWebhookSecretDigest(absl::string_view portal_id, Side side,
                                              absl::string_view secret_sha256, absl::Time now) = 0;

  // In one transaction: stores the request and queues its item on kInboxQueue, due now.
  // Returns its inbox id.
  virtual absl::StatusOr<int64_t> AddRequest(absl::string_view portal_id, Side side,
                                             absl::string_view body, absl::Time now) = 0;
  // The stored request; NOT_FOUND when there is none.
  virtual absl::StatusOr<InboxRequest> GetRequest(int64_t inbox_id) = 0;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_INBOX_STORE_H_

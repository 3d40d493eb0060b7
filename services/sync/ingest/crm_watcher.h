// Keeps the CRM watch channels of the portals WatchCrmTasks names registered: a channel not yet
// registered, or with less than half its lifetime left, is renewed (PUT /actions/watch) with a
// new token, and registered anew (POST) when CRM no longer knows it (it expired, or was
// dropped). The new token becomes the portal's CRM secret; the one it replaces stays valid for
// the notifications already on their way. Replicas share the work through leases on the
// channels' rows; no row is locked while CRM is called.
#ifndef CRMSYNC_SERVICES_SYNC_INGEST_CRM_WATCHER_H_
#define CRMSYNC_SERVICES_SYNC_INGEST_CRM_WATCHER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/common/clock.h"
#include "services/sync/metrics.h"
#include "services/sync/store/inbox_store.h"
#include "services/sync/zoho_call.h"

namespace crmsync::sync {

// The scope registering a watch channel needs of the portal's CRM grant.
inline constexpr char kCrmWatchScope[] = "ZohoCRM.notifications.ALL";

// A new random channel id (positive, as CRM's channel_id is a long).
int64_t NewCrmChannelId();

struct CrmWatcherOptions {
  // The base URL Zoho reaches the receivers at, e.g. "https://crmsync.example.com".
  std::string public_url;
  // The expiry asked for each channel (CRM allows at most a day).
  absl::Duration lifetime = absl::Hours(24);
};

class CrmWatcher {
 public:
  // All references must outlive the watcher.
  // Its calls to CRM go through `caller` (zoho_call.h: a rate permit before each).
  CrmWatcher(InboxStore& store, ZohoCaller& caller, SyncMetrics& metrics, const Clock& clock,
             CrmWatcherOptions options)
      : store_(store),
        caller_(caller),
        metrics_(metrics),
        clock_(clock),
        options_(std::move(options)) {}

  // Renews the channels due now; returns how many it tried.
  absl::StatusOr<int> RunOnce();
  // RunOnce every lifetime / 8 (at most 5 minutes) until `stop`.
  void Run(const absl::Notification& stop);

 private:
  // Registers or renews the portal's channel, and records its new token and expiry.
  absl::Status Renew(const CrmWatchClaim& claim);

  InboxStore& store_;
  ZohoCaller& caller_;
  SyncMetrics& metrics_;
  const Clock& clock_;
  const CrmWatcherOptions options_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_INGEST_CRM_WATCHER_H_

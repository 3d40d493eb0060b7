// What sync has yet to do, as its backlog gauges show it: the outbox's writes not yet done by the
// side they write to, and the inbox's webhooks not yet processed by the side they came from.
#ifndef CRMSYNC_SERVICES_SYNC_BACKLOG_H_
#define CRMSYNC_SERVICES_SYNC_BACKLOG_H_

#include <cstdint>
#include <map>

#include "absl/time/time.h"
#include "libs/common/side.h"

namespace crmsync::sync {

struct SyncBacklog {
  // Writes queued for one side and not done (pending or running), and when the oldest of them
  // was queued.
  struct Writes {
    int64_t depth = 0;
    absl::Time oldest_queued = absl::InfiniteFuture();
  };
  // By target side; a side with nothing queued is absent.
  std::map<Side, Writes> outbox;
  // Webhooks stored and not processed yet, by the side that sent them; absent when none.
  std::map<Side, int64_t> inbox;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_BACKLOG_H_

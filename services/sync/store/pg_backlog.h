// The backlog gauges' reads (backlog.h) on PostgreSQL: one query for the outbox, one for the
// inbox.
#ifndef CRMSYNC_SERVICES_SYNC_STORE_PG_BACKLOG_H_
#define CRMSYNC_SERVICES_SYNC_STORE_PG_BACKLOG_H_

#include "absl/status/statusor.h"
#include "libs/pg/pool.h"
#include "services/sync/backlog.h"

namespace crmsync::sync {

// The outbox's writes and the inbox's webhooks not done yet. `pool` must have the sync queries
// prepared. UNAVAILABLE when PostgreSQL does not answer.
absl::StatusOr<SyncBacklog> ReadBacklog(pg::Pool& pool);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_PG_BACKLOG_H_

// The store's side of the outbox (outbox.h): which writes a recorded change queues in its own
// transaction, queueing them, and reading a task's undelivered ones. Used by pg_store.cc only.
#ifndef CRMSYNC_SERVICES_SYNC_STORE_PG_OUTBOX_H_
#define CRMSYNC_SERVICES_SYNC_STORE_PG_OUTBOX_H_

#include <cstdint>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/sync/change/merge.h"
#include "services/sync/outbox.h"
#include "services/sync/reads.h"
#include "services/sync/store/store.h"

namespace crmsync::sync {

// The UPDATE_TASK that `change`, APPLIED as `decision` to the task linked as `link_id`, queues to
// the other side: the applied fields. nullopt when none was applied (a deletion).
std::optional<OutboxWrite> UpdateForApplied(const TaskChange& change, int64_t link_id,
                                            const ChangeDecision& decision, absl::Time now);

// The UPDATE_TASK back to the origin side that `change`, REJECTED as `decision`, queues under
// `policy`: the rejected fields that have a value in `canonical`, so the origin side gets the
// kept values back. nullopt under kReportOnly, for TASK_NOT_LINKED and
// TASK_DELETED_ON_OTHER_SIDE (no task to write), and when no rejected field has a value.
std::optional<OutboxWrite> RestoreForRejected(const TaskChange& change, int64_t link_id,
                                              const ChangeDecision& decision,
                                              const CanonicalTask& canonical,
                                              RejectionPolicy policy, absl::Time now);

// Queues `write` as item `key` of kOutboxQueue in its task's group, due at `now`.
absl::Status QueueWrite(pqxx::transaction_base& tx, const std::string& key,
                        const OutboxWrite& write, absl::Time now);

// The undelivered writes of the task linked as `link_id`, oldest first, at most `limit`.
absl::StatusOr<std::vector<PendingWrite>> ReadPendingWrites(pqxx::transaction_base& tx,
                                                            int64_t link_id, int limit);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_PG_OUTBOX_H_

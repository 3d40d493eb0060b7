// DeliveryStore on PostgreSQL, and the outbox queue's hooks: what an outbox item's completion
// records in the same transaction (the task's latest delivery per side; for an item that is DEAD,
// its failure and the failure's relay item), so the record and the item's state never disagree.
#ifndef CRMSYNC_SERVICES_SYNC_STORE_PG_DELIVERY_STORE_H_
#define CRMSYNC_SERVICES_SYNC_STORE_PG_DELIVERY_STORE_H_

#include <functional>
#include <optional>
#include <string>

#include "libs/pg/pool.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/sync/outbox.h"
#include "services/sync/store/delivery_store.h"
#include "services/sync/store/pg_store.h"

namespace crmsync::sync {

// The failure of a claim whose item just became DEAD, when the handler refused it (nullopt: the
// retries were spent, and the failure is DELIVERY_RETRIES_EXHAUSTED with the queue's error).
using DeliveryFailureOf = std::function<std::optional<DeliveryFailure>(const work_queue::Claim&)>;

class PgDeliveryStore : public DeliveryStore {
 public:
  // `pool` must have the sync queries prepared and outlive the store.
  explicit PgDeliveryStore(pg::Pool& pool) : pool_(pool), store_(pool) {}

  absl::StatusOr<std::optional<StoredTask>> ReadLinked(int64_t link_id) override;
  absl::StatusOr<bool> ActivateLink(int64_t link_id, const std::string& crm_task_id,
                                    const work_queue::Claim& claim, absl::Time now) override;
  absl::Status RecordWritten(int64_t link_id, Side side,
                             const std::map<Field, FieldValue>& values) override;
  absl::StatusOr<std::optional<CommentCopy>> ReadCopy(int64_t copy_id) override;
  absl::StatusOr<bool> SetCopyCommentId(int64_t copy_id, const std::string& comment_id,
                                        const work_queue::Claim& claim, absl::Time now) override;

  // The hooks of the kOutboxQueue PgWorkQueue: each completion records the task's latest
  // delivery to the target side; a DEAD item records its failure (`failure_of`, else
  // DELIVERY_RETRIES_EXHAUSTED) against the change that queued it, and queues its relay on
  // kFailureRelayQueue.
  static work_queue::PgHooks OutboxHooks(DeliveryFailureOf failure_of);

 private:
  pg::Pool& pool_;
  PgStore store_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_PG_DELIVERY_STORE_H_

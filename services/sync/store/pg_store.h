// SyncStore on PostgreSQL (schema "sync"): the only sync file that touches libpqxx. The changes
// of one task are serialized by the lock on its task_links row, taken before anything of the
// task is read, so two concurrent changes never decide from the same state.
#ifndef CRMSYNC_SERVICES_SYNC_STORE_PG_STORE_H_
#define CRMSYNC_SERVICES_SYNC_STORE_PG_STORE_H_

#include <cstdint>
#include <map>

#include "libs/pg/pool.h"
#include "services/sync/store/store.h"

namespace crmsync::sync {

class PgStore : public SyncStore {
 public:
  // `pool` must have the sync queries prepared and outlive the store.
  explicit PgStore(pg::Pool& pool) : pool_(pool) {}

  absl::StatusOr<TaskLink> CreateLink(const TaskLink& link, const CanonicalTask& canonical,
                                      absl::Time now) override;
  absl::StatusOr<TaskLink> CreateLinkAndQueue(const TaskLink& link, const CanonicalTask& canonical,
                                              const OutboxWrite& create, absl::Time now,
                                              absl::Time deadline) override;
  absl::StatusOr<std::optional<StoredTask>> ReadTask(absl::string_view portal_id, Side side,
                                                     absl::string_view task_id,
                                                     absl::Time deadline) override;
  // In pg_delivery_store.cc, beside the rest of delivery's record.
  absl::StatusOr<std::vector<SideDeliveryRecord>> ReadDeliveries(absl::string_view portal_id,
                                                                 Side side,
                                                                 absl::string_view task_id,
                                                                 absl::Time deadline) override;
  absl::StatusOr<std::optional<RecordedOutcome>> FindEvent(absl::string_view portal_id, Side side,
                                                           absl::string_view event_id,
                                                           absl::Time deadline) override;
  absl::StatusOr<RecordedOutcome> RecordChange(const TaskChange& change, const DecideFn& decide,
                                               RejectionPolicy policy, absl::Time now,
                                               absl::Time deadline) override;
  absl::StatusOr<RecordedComment> RecordComment(const CommentChange& comment, absl::Time now,
                                                absl::Time deadline) override;
  absl::StatusOr<std::vector<PendingWrite>> ListPendingWrites(absl::string_view portal_id,
                                                              Side side, absl::string_view task_id,
                                                              int limit,
                                                              absl::Time deadline) override;
  absl::StatusOr<std::vector<CopiedComment>> ListCopiedComments(absl::string_view portal_id,
                                                                Side origin,
                                                                absl::Time deadline) override;
  absl::StatusOr<FailureRecord> GetFailure(absl::string_view failure_id) override;
  absl::StatusOr<std::vector<FailureRecord>> ListFailures(const FailureQuery& query,
                                                          absl::Time deadline) override;
  // Records that `side` now holds `values`, written there by crmsync (FieldState::held), for the
  // fields whose canonical value is still the one written: a newer one is written next.
  absl::Status RecordWritten(int64_t link_id, Side side, const std::map<Field, FieldValue>& values);

 private:
  pg::Pool& pool_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_PG_STORE_H_

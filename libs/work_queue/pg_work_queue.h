// The work queue (work_queue.h) on PostgreSQL: one work_items table in each service's schema,
// holding any number of named queues. Besides the services' pg_store targets, the only code
// that links libpqxx for the queue.
//
// A service using it:
//  - creates the table with the DDL of libs/work_queue/work_items.sql in one of its own
//    migrations (services/notify/migrations/V002__work_queue.sql is one), and prepares
//    Queries() on its pool (crmsync_service_schema(... QUERY_DIRS libs/work_queue/queries));
//  - enqueues with Enqueue inside the transaction that decides the work is needed;
//  - builds a PgWorkQueue per queue, with hooks for its own writes: they run in the same
//    transaction as the claim or the fenced completion, so e.g. "notification SENT" commits
//    together with "item DONE", and never for a claim that was lost;
//  - runs Maintain as a background task for the metrics and retention.
// Times are the caller's Clock (tests drive a fake one); replicas' clocks are assumed close
// compared with the leases.
#ifndef CRMSYNC_LIBS_WORK_QUEUE_PG_WORK_QUEUE_H_
#define CRMSYNC_LIBS_WORK_QUEUE_PG_WORK_QUEUE_H_

#include <functional>
#include <mutex>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/common/clock.h"
#include "libs/common/embedded_file.h"
#include "libs/pg/pool.h"
#include "libs/work_queue/work_queue.h"

namespace crmsync::work_queue {

// The queue's prepared statements (libs/work_queue/queries/*.sql, names "work_queue_*").
const std::vector<EmbeddedFile>& Queries();

// work_items.sql, the table's reference DDL: what a service's migration copies, and what the
// library's own tests create.
const std::vector<EmbeddedFile>& TableDefinition();

// Adds `item` in the caller's transaction at `now`; false (and nothing changed) when its
// (queue, key) exists, whatever its state.
absl::StatusOr<bool> Enqueue(pqxx::transaction_base& tx, const NewItem& item, absl::Time now);

// A service's own writes, made in the queue's transactions. A hook's error rolls the whole
// transaction back (the claim or completion did not happen).
struct PgHooks {
  // After `claims` became RUNNING at `now`.
  std::function<absl::Status(pqxx::transaction_base&, const std::vector<Claim>&, absl::Time now)>
      on_claim;
  // After the fenced completion of `claim` wrote `resolution` at `now` (kReleased included).
  std::function<absl::Status(pqxx::transaction_base&, const Claim&, const Resolution&,
                             absl::Time now)>
      on_complete;
};

class PgWorkQueue : public Queue {
 public:
  // `pool` (with Queries() prepared), `clock` and `metrics` must outlive the queue; `metrics`
  // gets the queue's series added.
  PgWorkQueue(pg::Pool& pool, std::string name, const Clock& clock, RetryPolicy policy,
              Metrics& metrics, PgHooks hooks = {});

  const std::string& name() const override { return name_; }
  absl::StatusOr<std::vector<Claim>> ClaimDue(int limit, int group_limit,
                                              absl::Duration lease) override;
  absl::Status Extend(Claim& claim, absl::Duration bound) override;
  absl::StatusOr<Resolution> Complete(const Claim& claim, const Outcome& outcome) override;
  absl::Status Release(const std::vector<Claim>& claims) override;

 private:
  pg::Pool& pool_;
  const std::string name_;
  const Clock& clock_;
  const RetryPolicy policy_;
  Metrics& metrics_;
  const PgHooks hooks_;
  std::mutex random_mutex_;
  absl::BitGen random_;
};

// Counts of one queue, read on the partial indexes (no scan of finished items).
absl::StatusOr<QueueStats> ReadStats(pg::Pool& pool, const std::string& queue, absl::Time now);

// Deletes DONE and DEAD items finished before `before`, at most `batch` rows per transaction,
// until none is left; returns how many.
absl::StatusOr<int64_t> DeleteFinished(pg::Pool& pool, absl::Time before, int batch = 1000);

struct UpkeepOptions {
  std::vector<std::string> queues;  // whose metrics to publish
  absl::Duration metrics_interval = absl::Seconds(5);
  absl::Duration retention = absl::Hours(24 * 7);  // finished items kept this long
  absl::Duration retention_interval = absl::Minutes(10);
};

// --queue_retention, checked positive (INVALID_ARGUMENT naming the flag).
absl::StatusOr<absl::Duration> QueueRetentionFromFlags();

// Until `stop`: publishes every queue's stats each metrics_interval and deletes finished items
// older than the retention each retention_interval (and once at start).
void Maintain(pg::Pool& pool, const Clock& clock, Metrics& metrics, const UpkeepOptions& options,
              const absl::Notification& stop);

}  // namespace crmsync::work_queue

#endif  // CRMSYNC_LIBS_WORK_QUEUE_PG_WORK_QUEUE_H_

// The work queue every "do this later, exactly once" job of crmsync goes through (notify's
// emails, the failure relays, sync's inbox and outbox), and the worker loop that drains it.
// This header has no libpqxx: services' domain code uses it; pg_work_queue.h implements it on
// PostgreSQL.
//
// The contract:
//  - An item is (queue, key) with a payload; the key is unique per queue (enqueueing it again
//    changes nothing). States: PENDING (due at next_attempt) → RUNNING (claimed under a lease)
//    → DONE, DEAD, or back to PENDING (retry, or released).
//  - A claim takes due PENDING items, and RUNNING items whose lease expired, without waiting on
//    items other workers hold (FOR UPDATE SKIP LOCKED). Each claim gets a new fence token; every
//    later write of that claim (Extend, Complete, Release) applies only while the item still
//    carries it, so a worker whose item was taken over changes nothing.
//  - A worker calls Extend(claim, bound) right before each item's side effect: it fails when
//    the claim was lost, and otherwise guarantees the lease outlasts `bound` (renewing it, fenced,
//    when what is left is shorter). With `bound` the longest the side effect can take, no other
//    worker can take the item over while it runs.
//  - Items sharing a non-empty group are claimed together: when any of them is due, one claim
//    takes the group's pending items (due or not, due ones first, then oldest; up to the
//    claimer's group_limit) and those whose lease ended. Claims of one group are serialized, so
//    two workers never hold items of one group claimed at the same moment (notify's digests, the
//    pending writes of one task). Groups do not order work beyond that.
//  - Complete records an Outcome: done; retry with full-jitter backoff until the attempt budget
//    is spent, then DEAD with the reason; a refusal DEAD at once; an interruption (the process
//    stops, or the item must wait) gives the item back, due now or after the outcome's
//    retry_after, with the attempt not counted.
#ifndef CRMSYNC_LIBS_WORK_QUEUE_WORK_QUEUE_H_
#define CRMSYNC_LIBS_WORK_QUEUE_WORK_QUEUE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/common/backoff.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace crmsync::work_queue {

// An item to add (see Enqueue in pg_work_queue.h).
struct NewItem {
  std::string queue;    // lower-case name, e.g. "notify_email"
  std::string key;      // idempotency key, unique per queue
  std::string payload;  // what the worker needs; opaque to the queue
  std::string group;    // empty, or the group claimed together (see the file comment)
  absl::Time due;       // first attempt not before
};

// One item held by a worker.
struct Claim {
  int64_t item_id = 0;
  std::string key;
  std::string group;
  std::string payload;
  int attempt = 0;    // this claim's attempt, 1-based
  int64_t fence = 0;  // the token every write of this claim carries
  absl::Time lease_until;
  absl::Time created;
  absl::Time started;  // set by Extend: when the side effect began
};

// What the worker's side effect came to.
struct Outcome {
  enum class Kind {
    kDone,
    kRetry,        // transient: try again after a backoff
    kRefused,      // permanent: DEAD at once with `error`
    kInterrupted,  // not done, through no fault of the item: give it back (due after
                   // retry_after, now when unset), attempt not counted
  };
  Kind kind = Kind::kDone;
  std::string error;                          // why, for kRetry and kRefused; never a secret
  std::optional<absl::Duration> retry_after;  // a floor for the backoff (e.g. Retry-After)

  static Outcome Done() { return {}; }
  static Outcome Retry(std::string error, std::optional<absl::Duration> retry_after = {}) {
    return {Kind::kRetry, std::move(error), retry_after};
  }
  static Outcome Refused(std::string error) { return {Kind::kRefused, std::move(error), {}}; }
  static Outcome Interrupted() { return {Kind::kInterrupted, "interrupted", {}}; }
  // Not yet: the item waits for something else (e.g. an earlier item of its group) and is due
  // again after `after`, without spending an attempt.
  static Outcome Later(std::string why, absl::Duration after) {
    return {Kind::kInterrupted, std::move(why), after};
  }
};

struct RetryPolicy {
  int max_attempts = 10;  // the failed attempt that reaches it makes the item DEAD
  BackoffPolicy backoff{absl::Seconds(2), absl::Minutes(10), 2.0};
};

// What Complete writes for an outcome.
struct Resolution {
  enum class Kind { kDone, kRetry, kDead, kReleased };
  Kind kind = Kind::kDone;
  std::string error;        // stored as the item's last error ("" when done)
  absl::Time next_attempt;  // kRetry and kReleased: when the item is due again
};

// Pure: the resolution of `outcome` for `claim` at `now` under `policy`. A retry on the last
// allowed attempt is DEAD with "gave up after N attempts: <error>".
Resolution Resolve(const Claim& claim, const Outcome& outcome, const RetryPolicy& policy,
                   absl::Time now, absl::BitGenRef random);

// Per queue: how many items are pending, running and dead, and the age of the oldest item not
// finished (pending or running; zero when none).
struct QueueStats {
  int64_t pending = 0;
  int64_t running = 0;
  int64_t dead = 0;
  absl::Duration oldest_pending_age;
};

// The queue metrics, registered once per process:
//   crmsync_work_queue_items{queue,state}                 gauge, state pending|running|dead
//   crmsync_work_queue_oldest_pending_age_seconds{queue}  gauge
//   crmsync_work_queue_completions_total{queue,result}    counter, done|retry|dead|lease_lost
//   crmsync_work_queue_item_seconds{queue}                histogram, side effect to completion
struct Metrics {
  explicit Metrics(prometheus::Registry& registry);

  // Creates every series of `queue`, so dashboards see zeros before the first event.
  void AddQueue(const std::string& queue);
  void SetStats(const std::string& queue, const QueueStats& stats);
  void Completed(const std::string& queue, Resolution::Kind kind, absl::Duration item_time);
  void LeaseLost(const std::string& queue);

  prometheus::Family<prometheus::Gauge>& items;
  prometheus::Family<prometheus::Gauge>& oldest_pending_age_seconds;
  prometheus::Family<prometheus::Counter>& completions;
  prometheus::Family<prometheus::Histogram>& item_seconds;
};

// One named queue as a worker sees it. Every method may fail with UNAVAILABLE (database);
// FAILED_PRECONDITION means the claim was lost (its lease expired and another worker took the
// item over, or it was completed already): the caller must then leave the item alone.
class Queue {
 public:
  virtual ~Queue() = default;

  virtual const std::string& name() const = 0;

  // Claims up to `limit` units under a lease of `lease`: an ungrouped due item, or a group of
  // up to `group_limit` items (see the file comment). With group_limit <= 1 groups are ignored
  // and every due item is its own unit. The items of one group are adjacent in the result.
  virtual absl::StatusOr<std::vector<Claim>> ClaimDue(int limit, int group_limit,
                                                      absl::Duration lease) = 0;

  // Makes sure the claim holds for at least `bound` from now, and sets claim.started. While the
  // lease left covers `bound` nothing needs asking: no one else can claim the item before it
  // ends. Otherwise the lease is renewed, fenced: FAILED_PRECONDITION (and a lease_lost count)
  // when the claim was lost.
  virtual absl::Status Extend(Claim& claim, absl::Duration bound) = 0;

  // Writes the resolution of `outcome` (see Resolve), fenced; returns it.
  virtual absl::StatusOr<Resolution> Complete(const Claim& claim, const Outcome& outcome) = 0;

  // Gives claims whose side effect never started back, due now, attempt not counted. Lost
  // claims are skipped.
  virtual absl::Status Release(const std::vector<Claim>& claims) = 0;
};

struct WorkerOptions {
  int batch = 8;        // units claimed at once
  int group_limit = 1;  // items of one group claimed together (1: no grouping)
  absl::Duration lease = absl::Seconds(120);
  // The longest one call of the handler can take: the lease is extended to cover it before each
  // call, so nobody else can take its items over meanwhile.
  absl::Duration item_bound = absl::Seconds(60);
  absl::Duration idle_poll = absl::Milliseconds(200);
  BackoffPolicy error_backoff{absl::Milliseconds(200), absl::Seconds(10), 2.0};
  // Hands the handler the whole claimed batch in one call (every unit, each group's items
  // adjacent and in claim order) instead of one unit per call, so it can combine the side
  // effects of several units (e.g. one API call writing many records). Each item's lease is
  // extended by item_bound before the call; the handler still answers one outcome per item.
  bool whole_batch = false;
};

// Does the side effect of one unit (one item, or one group), and must return soon after `stop`
// is notified (Outcome::Interrupted when it gave up). Runs with no transaction open.
using Handler =
    std::function<Outcome(const std::vector<Claim>& unit, const absl::Notification& stop)>;
// The same for a unit whose items may end differently: one outcome per item of `unit`, in its
// order.
using ItemsHandler = std::function<std::vector<Outcome>(const std::vector<Claim>& unit,
                                                        const absl::Notification& stop)>;

class Worker {
 public:
  // `queue` must outlive the worker.
  Worker(Queue& queue, Handler handler, WorkerOptions options);
  Worker(Queue& queue, ItemsHandler handler, WorkerOptions options)
      : queue_(queue), handler_(std::move(handler)), options_(std::move(options)) {}

  // Claims one batch and works through it unit by unit (or all at once with whole_batch):
  // extends the leases (dropping lost items), runs the handler, completes each item. Once `stop`
  // is notified the units not started are released. Returns how many items it claimed.
  absl::StatusOr<int> RunOnce(const absl::Notification& stop);

  // RunOnce until `stop`, polling every idle_poll while nothing is due and backing off while
  // the database fails.
  void Run(const absl::Notification& stop);

 private:
  void Work(std::vector<Claim> unit, const absl::Notification& stop);

  Queue& queue_;
  const ItemsHandler handler_;
  const WorkerOptions options_;
  absl::BitGen random_;
};

}  // namespace crmsync::work_queue

#endif  // CRMSYNC_LIBS_WORK_QUEUE_WORK_QUEUE_H_

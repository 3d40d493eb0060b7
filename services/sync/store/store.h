// Where the sync service keeps task links, the canonical state of their fields, the events it has
// processed, the change log, the recorded failures and the outbox's writes (outbox.h). PgStore is
// the implementation. Every method is keyed by portal: one portal's tasks never reach another's
// answers. A method given a `deadline` gives up with DEADLINE_EXCEEDED once it passes
// (absl::InfiniteFuture() for none): a gRPC caller's deadline bounds the statements run on its
// behalf.
#ifndef CRMSYNC_SERVICES_SYNC_STORE_STORE_H_
#define CRMSYNC_SERVICES_SYNC_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/sync/change/merge.h"
#include "services/sync/change/task.h"
#include "services/sync/outbox.h"
#include "services/sync/reads.h"

namespace crmsync::sync {

// crmsync.sync.v1.CrmModule.
enum class CrmModule { kUnspecified = 0, kAccounts = 1, kDeals = 2 };

// A task's link between the two sides (crmsync.sync.v1.TaskLink).
struct TaskLink {
  std::string portal_id;
  std::string project_id;
  std::string projects_task_id;
  // Empty while the link is PENDING_CREATE.
  std::string crm_task_id;
  CrmModule crm_module = CrmModule::kUnspecified;
  std::string crm_record_id;
  // Empty for a main task.
  std::string projects_parent_task_id;
  LinkState state = LinkState::kUnspecified;
  absl::Time create_time;
  absl::Time update_time;
};

// A linked task as recorded: its link and the canonical state of its fields.
struct StoredTask {
  TaskLink link;
  CanonicalTask canonical;
  // When crmsync applied each field of `canonical`.
  std::map<Field, absl::Time> update_times;
};

// crmsync.sync.v1.DeliveryResult.
enum class DeliveryResult { kUnspecified = 0, kSucceeded = 1, kRetrying = 2, kFailed = 3 };

// The latest delivery of a task's writes to one side (crmsync.sync.v1.SideDelivery).
struct SideDeliveryRecord {
  Side side = Side::kUnspecified;
  DeliveryResult last_result = DeliveryResult::kUnspecified;
  absl::Time last_attempt_time;
  std::optional<absl::Time> last_success_time;
  std::string last_error;
};

// What a change came to, as recorded with its event (and returned again for a repeat).
struct RecordedOutcome {
  // The decision; field decisions carry no values.
  ChangeDecision decision;
  // REJECTED and recorded: the failure's id. APPLIED: the change-log entry's id.
  std::string failure_id;
  std::string change_id;
  // When the event was first processed.
  absl::Time process_time;
  // The event had been processed before: `decision` and the rest are its first outcome.
  bool duplicate = false;
};

// What a comment came to, and its task's link as the decision saw it (nullopt: not linked).
struct RecordedComment {
  RecordedOutcome outcome;
  std::optional<TaskLink> link;
};

// A recorded failure (crmsync.sync.v1.Failure).
struct FailureRecord {
  std::string failure_id;
  std::string portal_id;
  FailureReason reason = FailureReason::kUnspecified;
  std::string message;
  Side origin_side = Side::kUnspecified;
  std::string event_id;
  std::string project_id;
  std::string projects_task_id;
  std::string crm_task_id;
  // nullopt when the failure is about the whole task.
  std::optional<Field> field;
  std::optional<FieldValue> attempted_value;
  std::optional<FieldValue> kept_value;
  Actor actor;
  absl::Time create_time;
  // For the email: the task's title (its canonical one, "" when it has none) and what the rules
  // read, when they read it.
  std::string task_title;
  std::string project_name;
  std::optional<absl::CivilDay> project_start_date;
  std::optional<absl::CivilDay> project_end_date;
  std::string parent_task_title;
};

// What the decision knew beyond the recorded task, kept with a failure for its email: the
// project's schedule and the parent task, as the rules read them.
struct FailureContext {
  std::string project_name;
  std::optional<absl::CivilDay> project_start_date;
  std::optional<absl::CivilDay> project_end_date;
  std::string parent_task_title;
};

// Where a page of failures starts: after this failure (newest first).
struct FailurePosition {
  absl::Time create_time;
  int64_t failure_id = 0;
};

// Which failures ListFailures returns.
struct FailureQuery {
  std::string portal_id;
  // Side and id of one task; kUnspecified: every task.
  Side task_side = Side::kUnspecified;
  std::string task_id;
  // kUnspecified: any reason.
  FailureReason reason = FailureReason::kUnspecified;
  std::optional<FailurePosition> after;
  int limit = 50;
};

// A write of a task's outbox not delivered yet (crmsync.sync.v1.OutboxEntry).
struct PendingWrite {
  // The work item's id.
  std::string outbox_id;
  OutboxWrite write;
  // Claimed by a delivery worker, rather than waiting for its next attempt.
  bool in_flight = false;
  int attempts = 0;
  // When the next attempt is due; nullopt while in flight.
  std::optional<absl::Time> next_attempt_time;
  std::string last_error;
  absl::Time create_time;
};

// The work queue (libs/work_queue) that relays recorded failures to notify: one item per
// failure, keyed by and carrying its id.
inline constexpr char kFailureRelayQueue[] = "sync_failure_relay";

// Decides a change from the task as recorded under its lock (nullopt: not linked), and fills
// what a failure's email needs of the reads it made.
using DecideFn = std::function<absl::StatusOr<ChangeDecision>(const std::optional<StoredTask>&,
                                                              FailureContext&)>;

// A comment crmsync copied to the other side: its task's id and its own id on the side it was
// made on.
struct CopiedComment {
  std::string task_id;
  std::string comment_id;
};

class SyncStore {
 public:
  virtual ~SyncStore() = default;

  // Links a task, with `canonical` as the recorded state of its fields; ALREADY_EXISTS when
  // either task id is linked already.
  virtual absl::StatusOr<TaskLink> CreateLink(const TaskLink& link, const CanonicalTask& canonical,
                                              absl::Time now) = 0;

  // In one transaction: links a task as CreateLink does and queues `create` (its link_id set to
  // the new link's) on kOutboxQueue, key "create:<link_id>", in the task's group. ALREADY_EXISTS
  // when either task id is linked already: nothing is linked or queued.
  virtual absl::StatusOr<TaskLink> CreateLinkAndQueue(const TaskLink& link,
                                                      const CanonicalTask& canonical,
                                                      const OutboxWrite& create, absl::Time now,
                                                      absl::Time deadline) = 0;

  // The task linked to `task_id` on `side`, or nullopt.
  virtual absl::StatusOr<std::optional<StoredTask>> ReadTask(absl::string_view portal_id, Side side,
                                                             absl::string_view task_id,
                                                             absl::Time deadline) = 0;

  // The latest delivery of the writes to each side of the task linked to `task_id` on `side`;
  // none when it is not linked or nothing was delivered yet.
  virtual absl::StatusOr<std::vector<SideDeliveryRecord>> ReadDeliveries(
      absl::string_view portal_id, Side side, absl::string_view task_id, absl::Time deadline) = 0;

  // The first outcome of an event already processed (duplicate set), or nullopt.
  virtual absl::StatusOr<std::optional<RecordedOutcome>> FindEvent(absl::string_view portal_id,
                                                                   Side side,
                                                                   absl::string_view event_id,
                                                                   absl::Time deadline) = 0;

  // In one transaction, holding the task's link lock: the first outcome when the event was
  // processed already; otherwise `decide` on the task as recorded now, then its result recorded:
  //  - APPLIED: the fields with their new versions, a change-log entry and one UPDATE_TASK of
  //    the applied fields to the other side (outbox key "update:<change_id>"); a deletion marks
  //    the link and queues nothing. On a PENDING_CREATE link the update waits in the task's
  //    outbox group behind its CREATE_TASK (queued earlier by Add to CRM); delivery reads the
  //    canonical values when it runs, so nothing is written to CRM before the task exists there.
  //  - REJECTED (except TASK_NOT_LINKED): a failure and its item on kFailureRelayQueue; under
  //    kReportAndRestore also an UPDATE_TASK back to the origin side of the rejected fields that
  //    have a canonical value (key "restore:<failure_id>"), none for TASK_DELETED_ON_OTHER_SIDE.
  //  - the event with its outcome.
  // An error from `decide` rolls everything back and is returned. `decide` may run more than once.
  virtual absl::StatusOr<RecordedOutcome> RecordChange(const TaskChange& change,
                                                       const DecideFn& decide,
                                                       RejectionPolicy policy, absl::Time now,
                                                       absl::Time deadline) = 0;

  // In one transaction, holding the task's link lock: the first outcome when the event was
  // processed already (a change's event id included); otherwise DecideComment on what
  // comment_copies knows of the comment, and its result recorded: an APPLIED addition as a
  // comment_copies row carrying CopyText and its ADD_COMMENT item on the outbox, an APPLIED
  // deletion by marking that row deleted and queuing DELETE_COMMENT, a REJECTED comment (except
  // TASK_NOT_LINKED) as a failure about the whole task with its item on kFailureRelayQueue; and
  // the event with its outcome.
  virtual absl::StatusOr<RecordedComment> RecordComment(const CommentChange& comment,
                                                        absl::Time now, absl::Time deadline) = 0;

  // The undelivered writes (pending or in flight) of the task linked to `task_id` on `side`,
  // oldest first, at most `limit`; none when it is not linked.
  virtual absl::StatusOr<std::vector<PendingWrite>> ListPendingWrites(absl::string_view portal_id,
                                                                      Side side,
                                                                      absl::string_view task_id,
                                                                      int limit,
                                                                      absl::Time deadline) = 0;

  // The comments made on `origin` of the portal's ACTIVE links that were copied to the other
  // side and whose deletion has not been recorded, grouped by task.
  virtual absl::StatusOr<std::vector<CopiedComment>> ListCopiedComments(absl::string_view portal_id,
                                                                        Side origin,
                                                                        absl::Time deadline) = 0;

  // The failure with that id; NOT_FOUND when there is none.
  virtual absl::StatusOr<FailureRecord> GetFailure(absl::string_view failure_id) = 0;

  // Up to query.limit failures, newest first (by create time, then id).
  virtual absl::StatusOr<std::vector<FailureRecord>> ListFailures(const FailureQuery& query,
                                                                  absl::Time deadline) = 0;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_STORE_STORE_H_

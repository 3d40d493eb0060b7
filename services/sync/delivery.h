// Delivery of the outbox (outbox.h) to Zoho: the handler of the kOutboxQueue worker, which hands
// it the whole claimed batch: the claimed pending writes of several tasks, each task's in the
// order they were queued. Per task:
//  - CREATE_TASK creates the CRM task of a PENDING_CREATE link, attached to its account or deal,
//    and the link turns ACTIVE with its id (fenced by the claim);
//  - UPDATE_TASK writes the fields' canonical values as recorded now, translated to the target
//    side's vocabulary; all UPDATE_TASK writes of the task to one side become one record. The
//    CRM records of all the batch's tasks of one portal go in one CRM call (a CRM batch, at
//    most 100 records), whose per-record results end each task's writes; Projects takes one
//    task per call. A status reaches Projects as the id (`custom_status`) of the project's task
//    status named by the portal's value maps, read from the project's task layout and kept a
//    few minutes;
//  - ADD_COMMENT writes the copy of a comment (comment_copies) on the other side (CRM: a note of
//    the task), its id recorded fenced by the claim; DELETE_COMMENT deletes the copy;
//  - writes to CRM of a link whose CRM task does not exist yet wait for it, without spending an
//    attempt while the create is being retried in the same unit.
// A task's creates go first, then its updates, then its comments.
// A create is made once on Zoho even when a process dies after Zoho took it and before its item
// was completed: a copy carries a marker (CopyMarker, change/comment.h) and a CRM task is found
// by its account or deal and subject, looked for on Zoho by every attempt after the first. A
// create whose answer was lost (a timeout, a dropped connection, a 5xx) may still be carried out
// by Zoho, so its next attempt looks no sooner than DeliveryOptions::lost_create_wait later.
// A transient failure (429, 5xx, timeout) is retried after the server's Retry-After at least; a
// refusal (another 4xx, a rejected record, a value the portal's maps cannot write, a status the
// project does not have) or a BROKEN grant ends the write: its failure is recorded by the queue's
// hook (pg_delivery_store.h) with the item DEAD, the canonical state is unchanged and the task's
// other writes go on.
#ifndef CRMSYNC_SERVICES_SYNC_DELIVERY_H_
#define CRMSYNC_SERVICES_SYNC_DELIVERY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/common/clock.h"
#include "libs/work_queue/work_queue.h"
#include "libs/zoho/crm_codec.h"
#include "libs/zoho/projects_codec.h"
#include "services/sync/metrics.h"
#include "services/sync/outbox.h"
#include "services/sync/reads.h"
#include "services/sync/store/delivery_store.h"

namespace crmsync::sync {

// How one write to Zoho ended.
struct WriteResult {
  enum class Kind {
    kDone,
    kTransient,    // 429, 5xx, a timeout, auth unreachable: try again later
    kRefused,      // Zoho will not take it as it is
    kGrantBroken,  // the portal's grant of the side is BROKEN: an admin must register a new one
    // The grant's rate budget stayed spent (rate_budget.h): due again after retry_after without
    // spending an attempt, so a backlog drains at the rate limit instead of backing off.
    kThrottled,
  };
  Kind kind = Kind::kDone;
  // Why, for a failure: Zoho's code and message, never a secret.
  std::string error;
  // The server's Retry-After, when it gave one.
  std::optional<absl::Duration> retry_after;
  // A create: the new record's id.
  std::string id;
  // kTransient: Zoho may have carried the write out (a timeout, a dropped connection, a 5xx).
  bool outcome_unknown = false;
};

// The writes delivery makes on Zoho with the portal's grant of the side written.
// ZohoDeliveryWrites (zoho_writes.h) in production.
class ZohoWrites {
 public:
  virtual ~ZohoWrites() = default;
  // Updates CRM tasks (each with its id; at most 100) in one call: one result per task, in
  // order. A failure of the whole call (429, 5xx, a broken grant) is every task's result.
  virtual std::vector<WriteResult> UpdateCrmTasks(const std::string& portal_id,
                                                  const std::vector<zoho::CrmTaskWrite>& tasks) = 0;
  // Creates a CRM task; the result's id is the new task's.
  virtual WriteResult CreateCrmTask(const std::string& portal_id,
                                    const zoho::CrmTaskWrite& task) = 0;
  virtual WriteResult UpdateProjectsTask(const std::string& portal_id,
                                         const std::string& project_id, const std::string& task_id,
                                         const zoho::ProjectsTaskWrite& task) = 0;
  // Reads the task statuses of the project into `statuses` (done), with their ids.
  virtual WriteResult ReadProjectsTaskStatuses(const std::string& portal_id,
                                               const std::string& project_id,
                                               std::vector<zoho::ProjectsTaskStatus>* statuses) = 0;
  // The CRM task attached to `what_id` with `subject`, modified at or after `since`: the
  // result's id, "" when there is none.
  virtual WriteResult FindCrmTask(const std::string& portal_id, const std::string& what_id,
                                  const std::string& subject, absl::Time since) = 0;
  // Adds a note with `content` to the CRM task; the result's id is the note's.
  virtual WriteResult AddCrmNote(const std::string& portal_id, const std::string& task_id,
                                 const std::string& content) = 0;
  // The note of the CRM task whose content contains `marker`: the result's id, "" when none.
  virtual WriteResult FindCrmNote(const std::string& portal_id, const std::string& task_id,
                                  const std::string& marker) = 0;
  // Deletes a note; one already gone is done.
  virtual WriteResult DeleteCrmNote(const std::string& portal_id, const std::string& note_id) = 0;
  // The same for the comments of a Projects task.
  virtual WriteResult AddProjectsComment(const std::string& portal_id,
                                         const std::string& project_id, const std::string& task_id,
                                         const std::string& content) = 0;
  virtual WriteResult FindProjectsComment(const std::string& portal_id,
                                          const std::string& project_id, const std::string& task_id,
                                          const std::string& marker) = 0;
  virtual WriteResult DeleteProjectsComment(const std::string& portal_id,
                                            const std::string& project_id,
                                            const std::string& task_id,
                                            const std::string& comment_id) = 0;
};

// The CRM write of `fields` of `task` as recorded (fields without a canonical value are left
// out). NOT_FOUND when the portal's value maps have no CRM value for a priority or status.
absl::StatusOr<zoho::CrmTaskWrite> CrmWriteOf(const CanonicalTask& task,
                                              const std::vector<Field>& fields,
                                              const ValueMaps& maps);
// The same for Projects. A status is written as `custom_status`, the id of the status of
// `statuses` (the project's) named by the maps; NOT_FOUND naming the status when the project
// has none of that name.
absl::StatusOr<zoho::ProjectsTaskWrite> ProjectsWriteOf(
    const CanonicalTask& task, const std::vector<Field>& fields, const ValueMaps& maps,
    const std::vector<zoho::ProjectsTaskStatus>& statuses);

struct DeliveryOptions {
  // How long the writes to CRM of a task whose CRM task is still being created wait, when the
  // create's retry gave no Retry-After.
  absl::Duration create_wait = absl::Seconds(5);
  // The longest one task's writes to one side can take (rate permits and a 401's retry
  // included): Deliver starts no write later than this before the end of the batch's leases,
  // and gives the writes it did not start back to the queue (due now, attempt not counted). The
  // worker's lease must be longer.
  absl::Duration write_bound = absl::Seconds(60);
  // How long after a create whose answer was lost its next attempt looks for it on Zoho (and
  // creates it when not found): long enough for a request Zoho still carries out to land.
  absl::Duration lost_create_wait = absl::Seconds(10);
  // How long a project's task statuses read from Projects are used before reading them again.
  absl::Duration statuses_ttl = absl::Minutes(5);
  // Called right after Zoho took a create (a CRM task, a note, a comment) and before anything
  // of it is recorded: the crash tests stop the process there. Unset in production.
  std::function<void(OutboxKind)> after_create;
};

class Delivery {
 public:
  // All references must outlive the delivery.
  Delivery(DeliveryStore& store, PortalSettingsSource& portals, ZohoWrites& zoho,
           const Clock& clock, SyncMetrics& metrics, DeliveryOptions options = {});

  // The queue's handler: delivers the batch's writes (the items of a task adjacent, as the
  // worker's whole_batch hands them); one outcome per claim, in `batch`'s order.
  std::vector<work_queue::Outcome> Deliver(const std::vector<work_queue::Claim>& batch,
                                           const absl::Notification& stop);

  // The failure Deliver gave `claim` when it refused it (PgDeliveryStore::OutboxHooks). Only
  // reads: the hook's transaction may run more than once.
  std::optional<DeliveryFailure> FailureOf(const work_queue::Claim& claim);

 private:
  struct Item {
    const work_queue::Claim* claim;
    OutboxWrite write;
    work_queue::Outcome* outcome;
  };
  // One task's writes of the batch, and what delivering them found.
  struct Unit;
  // A CRM record of a CRM batch: the task's update and the writes it ends.
  struct CrmUpdate {
    Unit* unit;
    std::vector<Item*> items;
    zoho::CrmTaskWrite write;
  };

  // Records the values that the update and create writes of `items` put on their side
  // (FieldState::held), so that a read of the side showing them is no edit.
  void RecordWritten(const std::vector<Item*>& items, const StoredTask& task);

  // The outcome of `result` for every item of `items`, counted; a refusal's failure is kept for
  // the hook; the values a write made are recorded.
  void Resolve(const std::vector<Item*>& items, const WriteResult& result, const StoredTask& task,
               const std::string& what);
  void Count(const Item& item, absl::string_view result);
  // A retried attempt (claim.attempt > 1) first looks on Zoho for what an earlier attempt may
  // have written before its outcome was lost.
  WriteResult Create(const StoredTask& task, const ValueMaps& maps, const work_queue::Claim& claim);
  WriteResult Comment(const StoredTask& task, const Item& item);
  // `created`, due again no sooner than options_.lost_create_wait when its outcome is unknown.
  WriteResult AfterCreate(WriteResult created) const;
  // Reads the unit's task and portal and makes its creates; false when that ended every write
  // of the unit. `halted` says when to start no further write (the writes left are given back).
  bool Prepare(Unit& unit, const std::function<bool()>& halted);
  // The unit's UPDATE_TASK writes to `target` and the fields they write (none: no writes).
  std::vector<Item*> Updates(Unit& unit, Side target, std::vector<Field>* fields);
  // Ends a write to CRM that waits for the CRM task the unit is creating.
  void WaitForCrmTask(const Unit& unit, Item& item);
  // Sends `updates` (one portal's) in CRM batches and resolves their writes by record.
  void SendCrmUpdates(const std::string& portal_id, const std::vector<CrmUpdate>& updates,
                      const std::function<bool()>& halted);
  WriteResult UpdateProjects(const StoredTask& task, const std::vector<Field>& fields,
                             const ValueMaps& maps);
  // The project's task statuses, as read from Projects within statuses_ttl.
  WriteResult ProjectsStatuses(const TaskLink& link,
                               std::vector<zoho::ProjectsTaskStatus>* statuses);
  void DeliverComments(Unit& unit, const std::function<bool()>& halted);

  DeliveryStore& store_;
  PortalSettingsSource& portals_;
  ZohoWrites& zoho_;
  const Clock& clock_;
  SyncMetrics& metrics_;
  const DeliveryOptions options_;
  absl::Mutex mutex_;
  // By item id and fence: the claim's refusal. A later claim of the item drops its entry; the
  // oldest go when there are too many (their items were completed long ago).
  std::map<std::pair<int64_t, int64_t>, DeliveryFailure> failures_ ABSL_GUARDED_BY(mutex_);
  struct ReadStatuses {
    std::vector<zoho::ProjectsTaskStatus> statuses;
    absl::Time read;
  };
  // By portal and project.
  std::map<std::pair<std::string, std::string>, ReadStatuses> statuses_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_DELIVERY_H_

// Steps 2 to 8 of sync.proto's change pipeline around the pure decision (change/decision.h):
// under the task's lock, deduplicate, read the link and canonical state, decide (a change that
// needs the owner or the Projects state reads them outside any transaction first) and record
// the result in one transaction. CheckChange runs the same reads and decision and writes nothing.
// A comment needs no read but the portal's: it is decided and recorded under the task's lock.
#ifndef CRMSYNC_SERVICES_SYNC_PIPELINE_H_
#define CRMSYNC_SERVICES_SYNC_PIPELINE_H_

#include <optional>

#include "absl/status/statusor.h"
#include "libs/common/clock.h"
#include "services/sync/change/task.h"
#include "services/sync/metrics.h"
#include "services/sync/reads.h"
#include "services/sync/store/store.h"

namespace crmsync::sync {

// A change's outcome and the task's link afterwards (nullopt when not linked).
struct ProcessedChange {
  RecordedOutcome outcome;
  std::optional<TaskLink> link;
};

class ChangePipeline {
 public:
  // Everything must outlive the pipeline.
  ChangePipeline(SyncStore& store, PortalSettingsSource& portals, UserDirectory& users,
                 ProjectsState& projects, const Clock& clock, SyncMetrics& metrics)
      : store_(store),
        portals_(portals),
        users_(users),
        projects_(projects),
        clock_(clock),
        metrics_(metrics) {}

  // Processes a change ValidateChange accepted: DUPLICATE (the first outcome) for an event
  // already processed; otherwise decided and recorded under the portal's rejection policy
  // (SyncStore::RecordChange). NOT_FOUND when the portal is not configured; FAILED_PRECONDITION /
  // UNAVAILABLE when a read the decision needs fails (nothing is recorded, so a retry is safe).
  // `deadline` (the caller's) bounds every read and statement; DEADLINE_EXCEEDED once it passes,
  // with nothing recorded unless the final commit went through.
  absl::StatusOr<ProcessedChange> Submit(const TaskChange& change, absl::Time deadline);

  // The outcome Submit would return now, without writing anything: no ids, process time now.
  // The event is looked up only when the change carries an event id. Errors as Submit.
  absl::StatusOr<ProcessedChange> Check(const TaskChange& change, absl::Time deadline);

  // Processes a comment ValidateComment accepted: DUPLICATE (the first outcome) for an event
  // already processed; otherwise decided and recorded in one transaction (SyncStore's
  // RecordComment). NOT_FOUND when the portal is not configured. `deadline` as in Submit.
  absl::StatusOr<ProcessedChange> SubmitComment(const CommentChange& comment, absl::Time deadline);

 private:
  // The link state, canonical state, and the reads `change` needs, for `task`.
  struct Reads;
  absl::Status Read(const TaskChange& change, const PortalConfig& portal,
                    const std::optional<StoredTask>& task, absl::Time deadline, Reads& reads);

  SyncStore& store_;
  PortalSettingsSource& portals_;
  UserDirectory& users_;
  ProjectsState& projects_;
  const Clock& clock_;
  SyncMetrics& metrics_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_PIPELINE_H_

#include "services/sync/pipeline.h"

#include <utility>

#include "libs/common/status_macros.h"
#include "services/sync/change/decision.h"

namespace crmsync::sync {
namespace {

// Decisions under the task's lock: the first finds which reads the change needs (most need
// none); the others follow a read, retried when the task changed meanwhile so that it needs a
// read not made yet (e.g. another change linked it or set the status it reopens).
constexpr int kDecideAttempts = 4;

TaskContext ContextOf(const std::optional<StoredTask>& task) {
  TaskContext context;
  if (!task) return context;
  context.link = task->link.state;
  context.is_subtask = !task->link.projects_parent_task_id.empty();
  context.canonical = task->canonical;
  return context;
}

}  // namespace

struct ChangePipeline::Reads {
  bool owner_read = false;
  std::optional<Owner> owner;
  std::optional<ProjectSchedule> schedule;
  std::optional<ParentTask> parent;

  bool Cover(const NeededReads& need) const {
    return (!need.owner || owner_read) && (!need.schedule || schedule) && (!need.parent || parent);
  }
  void Fill(TaskContext& context) const {
    context.owner = owner;
    context.schedule = schedule;
    context.parent = parent;
  }
};

absl::Status ChangePipeline::Read(const TaskChange& change, const PortalConfig& portal,
                                  const std::optional<StoredTask>& task, absl::Time deadline,
                                  Reads& reads) {
  const NeededReads need = NeededReadsFor(change, portal.value_maps, ContextOf(task));
  if (need.owner && !reads.owner_read) {
    ASSIGN_OR_RETURN(reads.owner, users_.OwnerById(change.portal_id, change.origin_side,
                                                   *change.fields.owner_user_id, deadline));
    reads.owner_read = true;
  }
  // The rules read the Projects state of a linked task only: an unlinked one is refused first.
  if (!task) return absl::OkStatus();
  if (need.schedule && !reads.schedule) {
    absl::StatusOr<ProjectSchedule> schedule =
        projects_.Schedule(change.portal_id, task->link.project_id, deadline);
    metrics_.RuleRead("schedule", schedule.status());
    if (!schedule.ok()) return schedule.status();
    reads.schedule = *std::move(schedule);
  }
  if (need.parent && !reads.parent && !task->link.projects_parent_task_id.empty()) {
    absl::StatusOr<ParentTask> parent = projects_.Task(
        change.portal_id, task->link.project_id, task->link.projects_parent_task_id, deadline);
    metrics_.RuleRead("parent_task", parent.status());
    if (!parent.ok()) return parent.status();
    reads.parent = *std::move(parent);
  }
  return absl::OkStatus();
}

absl::StatusOr<ProcessedChange> ChangePipeline::Submit(const TaskChange& change,
                                                       absl::Time deadline) {
  ASSIGN_OR_RETURN(const PortalConfig portal, portals_.Get(change.portal_id, deadline));
  // Straight to the transaction, which deduplicates and reads the task under its lock: a change
  // that needs a read gives the lock back, reads outside any transaction and is decided again.
  Reads reads;
  for (int attempt = 1;; ++attempt) {
    std::optional<StoredTask> decided_on;
    bool needs_more = false;
    auto outcome = store_.RecordChange(
        change,
        [&](const std::optional<StoredTask>& fresh,
            FailureContext& failure) -> absl::StatusOr<ChangeDecision> {
          decided_on = fresh;
          TaskContext context = ContextOf(fresh);
          needs_more = !reads.Cover(NeededReadsFor(change, portal.value_maps, context));
          if (needs_more) return absl::AbortedError("the task changed while it was being read");
          reads.Fill(context);
          if (reads.schedule) {
            failure.project_name = reads.schedule->project_name;
            failure.project_start_date = reads.schedule->start;
            failure.project_end_date = reads.schedule->end;
          }
          if (reads.parent) failure.parent_task_title = reads.parent->title;
          return DecideChange(change, portal.value_maps, context);
        },
        portal.rejection_policy, clock_.Now(), deadline);
    if (needs_more && attempt < kDecideAttempts) {
      RETURN_IF_ERROR(Read(change, portal, decided_on, deadline, reads));
      continue;
    }
    if (!outcome.ok()) return outcome.status();
    ProcessedChange out{*std::move(outcome), std::nullopt};
    if (out.outcome.duplicate) {
      ASSIGN_OR_RETURN(
          std::optional<StoredTask> task,
          store_.ReadTask(change.portal_id, change.origin_side, change.task_id, deadline));
      if (task) out.link = task->link;
    } else if (decided_on) {
      out.link = decided_on->link;
      if (out.outcome.decision.marks_task_deleted) {
        out.link->state = change.origin_side == Side::kCrm ? LinkState::kDeletedInCrm
                                                           : LinkState::kDeletedInProjects;
        out.link->update_time = out.outcome.process_time;
      }
    }
    return out;
  }
}

absl::StatusOr<ProcessedChange> ChangePipeline::Check(const TaskChange& change,
                                                      absl::Time deadline) {
  ASSIGN_OR_RETURN(const PortalConfig portal, portals_.Get(change.portal_id, deadline));
  ASSIGN_OR_RETURN(std::optional<StoredTask> task,
                   store_.ReadTask(change.portal_id, change.origin_side, change.task_id, deadline));
  std::optional<TaskLink> link;
  if (task) link = task->link;
  if (!change.event_id.empty()) {
    ASSIGN_OR_RETURN(
        std::optional<RecordedOutcome> seen,
        store_.FindEvent(change.portal_id, change.origin_side, change.event_id, deadline));
    if (seen) {
      seen->failure_id.clear();
      seen->change_id.clear();
      return ProcessedChange{*std::move(seen), std::move(link)};
    }
  }
  Reads reads;
  RETURN_IF_ERROR(Read(change, portal, task, deadline, reads));
  TaskContext context = ContextOf(task);
  reads.Fill(context);
  ASSIGN_OR_RETURN(ChangeDecision decision, DecideChange(change, portal.value_maps, context));
  RecordedOutcome outcome;
  outcome.decision = std::move(decision);
  outcome.process_time = clock_.Now();
  return ProcessedChange{std::move(outcome), std::move(link)};
}

absl::StatusOr<ProcessedChange> ChangePipeline::SubmitComment(const CommentChange& comment,
                                                              absl::Time deadline) {
  RETURN_IF_ERROR(portals_.Get(comment.portal_id, deadline).status());
  ASSIGN_OR_RETURN(RecordedComment recorded, store_.RecordComment(comment, clock_.Now(), deadline));
  return ProcessedChange{std::move(recorded.outcome), std::move(recorded.link)};
}

}  // namespace crmsync::sync

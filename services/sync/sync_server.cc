#include "services/sync/sync_server.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/bounds.h"
#include "libs/common/status_macros.h"
#include "libs/grpc_server/caller_auth.h"
#include "libs/grpc_server/deadline.h"
#include "libs/grpc_server/proto_convert.h"
#include "libs/grpc_server/status.h"
#include "services/sync/change/validation.h"

namespace crmsync::sync {
namespace {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
// The most pending writes GetTaskSyncState lists (the oldest): a task whose side has been down
// for long can have many, and one response stays well under gRPC's message size limit.
constexpr int kMaxPendingWritesShown = 1000;

grpc::Status NotReady() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "sync is not ready: schema not migrated or database unreachable");
}

v1::FieldValue ValueToProto(const FieldValue& value) {
  struct Visitor {
    v1::FieldValue& out;
    void operator()(const std::string& text) const { out.set_text(text); }
    void operator()(const EndDate& date) const { *out.mutable_date() = ToProtoDate(date); }
    void operator()(Priority p) const { out.set_priority(static_cast<common::v1::Priority>(p)); }
    void operator()(TaskStatus s) const { out.set_status(static_cast<common::v1::TaskStatus>(s)); }
    void operator()(const Owner& o) const {
      v1::Owner* owner = out.mutable_owner();
      owner->set_email(o.email);
      owner->set_crm_user_id(o.crm_user_id);
      owner->set_projects_user_id(o.projects_user_id);
      owner->set_display_name(o.display_name);
    }
  };
  v1::FieldValue out;
  std::visit(Visitor{out}, value);
  return out;
}

v1::TaskLink LinkToProto(const TaskLink& link) {
  v1::TaskLink out;
  out.set_portal_id(link.portal_id);
  out.set_project_id(link.project_id);
  out.set_projects_task_id(link.projects_task_id);
  out.set_crm_task_id(link.crm_task_id);
  out.mutable_crm_parent()->set_crm_module(static_cast<v1::CrmModule>(link.crm_module));
  out.mutable_crm_parent()->set_record_id(link.crm_record_id);
  out.set_projects_parent_task_id(link.projects_parent_task_id);
  out.set_state(static_cast<v1::LinkState>(link.state));
  *out.mutable_create_time() = ToProtoTimestamp(link.create_time);
  *out.mutable_update_time() = ToProtoTimestamp(link.update_time);
  return out;
}

v1::ChangeOutcome OutcomeToProto(const ProcessedChange& processed) {
  const RecordedOutcome& recorded = processed.outcome;
  const ChangeDecision& decision = recorded.decision;
  v1::ChangeOutcome out;
  if (recorded.duplicate) {
    out.set_result(v1::OUTCOME_DUPLICATE);
    out.set_first_result(static_cast<v1::Outcome>(decision.result));
  } else {
    out.set_result(static_cast<v1::Outcome>(decision.result));
  }
  out.set_reason(static_cast<v1::FailureReason>(decision.reason));
  out.set_message(decision.message);
  out.set_failure_id(recorded.failure_id);
  out.set_change_id(recorded.change_id);
  for (const FieldDecision& f : decision.fields) {
    v1::FieldOutcome* field = out.add_fields();
    field->set_field(static_cast<v1::TaskField>(f.field));
    field->set_result(static_cast<v1::Outcome>(f.result));
    field->set_version(f.version);
    if (f.rejection) field->set_reason(static_cast<v1::FailureReason>(f.rejection->reason));
  }
  if (processed.link) *out.mutable_link() = LinkToProto(*processed.link);
  *out.mutable_process_time() = ToProtoTimestamp(recorded.process_time);
  return out;
}

v1::OutboxEntry PendingToProto(const PendingWrite& pending) {
  v1::OutboxEntry out;
  out.set_outbox_id(pending.outbox_id);
  out.set_target_side(static_cast<common::v1::Side>(pending.write.target_side));
  out.set_kind(static_cast<v1::OutboxKind>(pending.write.kind));
  for (Field field : pending.write.fields) out.add_fields(static_cast<v1::TaskField>(field));
  out.set_state(pending.in_flight ? v1::OUTBOX_STATE_IN_FLIGHT : v1::OUTBOX_STATE_PENDING);
  out.set_attempts(pending.attempts);
  if (pending.next_attempt_time) {
    *out.mutable_next_attempt_time() = ToProtoTimestamp(*pending.next_attempt_time);
  }
  out.set_last_error(pending.last_error);
  *out.mutable_create_time() = ToProtoTimestamp(pending.create_time);
  return out;
}

absl::Status Invalid(absl::string_view path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

// A TaskRef that must name a task: side and task id.
absl::Status ValidateTaskRef(const v1::TaskRef& task, absl::string_view path) {
  if (task.side() != common::v1::SIDE_CRM && task.side() != common::v1::SIDE_PROJECTS) {
    return Invalid(absl::StrCat(path, ".side"), "must be SIDE_CRM or SIDE_PROJECTS");
  }
  return CheckRecordId(absl::StrCat(path, ".task_id"), task.task_id());
}

// The filter a ListFailures page token was issued for: a token is refused for another one.
std::string FailureFilter(const v1::ListFailuresRequest& request) {
  return absl::StrCat(
      "ListFailures\n", request.portal_id(), "\n", request.has_task() ? request.task().side() : 0,
      "\n", request.has_task() ? request.task().task_id() : "", "\n", request.reason(), "\n");
}

std::string EncodeFailureToken(const std::string& filter, const FailureRecord& last) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(filter, absl::ToUnixMicros(last.create_time), "\n", last.failure_id));
}

absl::StatusOr<FailurePosition> DecodeFailureToken(const std::string& filter,
                                                   const std::string& token) {
  RETURN_IF_ERROR(CheckPageTokenLength(token));
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return Invalid("page_token", "malformed");
  absl::string_view rest = raw;
  if (!absl::ConsumePrefix(&rest, filter)) {
    return Invalid("page_token", "malformed or issued for a different request");
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(rest, '\n');
  int64_t micros = 0;
  FailurePosition position;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &micros) ||
      !absl::SimpleAtoi(parts[1], &position.failure_id)) {
    return Invalid("page_token", "malformed");
  }
  position.create_time = absl::FromUnixMicros(micros);
  return position;
}

v1::Failure FailureToProto(const FailureRecord& f) {
  v1::Failure out;
  out.set_failure_id(f.failure_id);
  out.set_portal_id(f.portal_id);
  out.set_reason(static_cast<v1::FailureReason>(f.reason));
  out.set_message(f.message);
  out.set_origin_side(static_cast<common::v1::Side>(f.origin_side));
  out.set_event_id(f.event_id);
  out.set_project_id(f.project_id);
  out.set_projects_task_id(f.projects_task_id);
  out.set_crm_task_id(f.crm_task_id);
  if (f.field) out.set_field(static_cast<v1::TaskField>(*f.field));
  if (f.attempted_value) *out.mutable_attempted_value() = ValueToProto(*f.attempted_value);
  if (f.kept_value) *out.mutable_kept_value() = ValueToProto(*f.kept_value);
  out.mutable_actor()->set_user_id(f.actor.user_id);
  out.mutable_actor()->set_email(f.actor.email);
  out.mutable_actor()->set_display_name(f.actor.display_name);
  *out.mutable_create_time() = ToProtoTimestamp(f.create_time);
  return out;
}

}  // namespace

TaskChange ChangeFromProto(const v1::TaskChange& in) {
  TaskChange change;
  change.portal_id = in.portal_id();
  change.origin_side = static_cast<Side>(in.origin_side());
  change.event_id = in.event_id();
  change.task_id = in.task_id();
  change.project_id = in.project_id();
  change.task_deleted = in.task_deleted();
  change.actor = {in.actor().user_id(), in.actor().email(), in.actor().display_name()};
  if (in.has_source_modified_time()) {
    change.source_modified_time = FromProtoTimestamp(in.source_modified_time());
  }
  const v1::TaskFields& f = in.fields();
  TaskFields& fields = change.fields;
  if (f.has_title()) fields.title = f.title();
  if (f.has_description()) fields.description = f.description();
  if (f.has_end_date())
    fields.end_date = Date{f.end_date().year(), f.end_date().month(), f.end_date().day()};
  switch (f.priority_value_case()) {
    case v1::TaskFields::kPriority:
      fields.priority = static_cast<Priority>(f.priority());
      break;
    case v1::TaskFields::kSidePriority:
      fields.priority = f.side_priority();
      break;
    case v1::TaskFields::PRIORITY_VALUE_NOT_SET:
      break;
  }
  switch (f.status_value_case()) {
    case v1::TaskFields::kStatus:
      fields.status = static_cast<TaskStatus>(f.status());
      break;
    case v1::TaskFields::kSideStatus:
      fields.status = f.side_status();
      break;
    case v1::TaskFields::STATUS_VALUE_NOT_SET:
      break;
  }
  if (f.has_owner_user_id()) fields.owner_user_id = f.owner_user_id();
  return change;
}

CommentChange CommentFromProto(const v1::CommentChange& in) {
  CommentChange comment;
  comment.portal_id = in.portal_id();
  comment.origin_side = static_cast<Side>(in.origin_side());
  comment.event_id = in.event_id();
  comment.task_id = in.task_id();
  comment.comment_id = in.comment_id();
  comment.action = static_cast<CommentAction>(in.action());
  comment.content = in.content();
  comment.author = {in.author().user_id(), in.author().email(), in.author().display_name()};
  if (in.has_source_modified_time()) {
    comment.source_modified_time = FromProtoTimestamp(in.source_modified_time());
  }
  return comment;
}

grpc::Status SyncServer::SubmitChange(grpc::ServerContext* context,
                                      const v1::SubmitChangeRequest* request,
                                      v1::SubmitChangeResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  const absl::Time start = clock_.Now();
  const TaskChange change = ChangeFromProto(request->change());
  if (auto status = ValidateChange(change, "change", EventIdRule::kRequired); !status.ok()) {
    return ToGrpcStatus(status);
  }
  auto processed = pipeline_.Submit(change, CallerDeadline(*context));
  if (!processed.ok()) return ToGrpcStatus(processed.status());
  metrics_.Processed(change.origin_side, processed->outcome.decision, processed->outcome.duplicate);
  *response->mutable_outcome() = OutcomeToProto(*processed);
  metrics_.SubmitLatency(clock_.Now() - start);
  return grpc::Status::OK;
}

grpc::Status SyncServer::BatchSubmitChanges(grpc::ServerContext* context,
                                            const v1::BatchSubmitChangesRequest* request,
                                            v1::BatchSubmitChangesResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  std::vector<TaskChange> changes;
  changes.reserve(request->changes_size());
  for (const v1::TaskChange& change : request->changes()) {
    changes.push_back(ChangeFromProto(change));
  }
  if (auto status = ValidateBatch(changes); !status.ok()) return ToGrpcStatus(status);
  for (size_t i = 0; i < changes.size(); ++i) {
    auto processed = pipeline_.Submit(changes[i], CallerDeadline(*context));
    if (!processed.ok()) {
      // Earlier changes stay applied; the message says where the batch stopped.
      const std::string processed_before =
          i == 0 ? "no change was processed"
                 : absl::StrCat("changes 0..", i - 1, " were processed");
      return ToGrpcStatus(
          absl::Status(processed.status().code(),
                       absl::StrCat("changes[", i, "]: ", processed.status().message(), " (",
                                    processed_before, ")")));
    }
    metrics_.Processed(changes[i].origin_side, processed->outcome.decision,
                       processed->outcome.duplicate);
    *response->add_outcomes() = OutcomeToProto(*processed);
  }
  return grpc::Status::OK;
}

grpc::Status SyncServer::SubmitComment(grpc::ServerContext* context,
                                       const v1::SubmitCommentRequest* request,
                                       v1::SubmitCommentResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  const CommentChange comment = CommentFromProto(request->comment());
  if (auto status = ValidateComment(comment, "comment"); !status.ok()) {
    return ToGrpcStatus(status);
  }
  auto processed = pipeline_.SubmitComment(comment, CallerDeadline(*context));
  if (!processed.ok()) return ToGrpcStatus(processed.status());
  metrics_.CommentProcessed(comment.origin_side, processed->outcome.decision.result,
                            processed->outcome.duplicate);
  *response->mutable_outcome() = OutcomeToProto(*processed);
  return grpc::Status::OK;
}

grpc::Status SyncServer::CheckChange(grpc::ServerContext* context,
                                     const v1::CheckChangeRequest* request,
                                     v1::CheckChangeResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  const TaskChange change = ChangeFromProto(request->change());
  if (auto status = ValidateChange(change, "change", EventIdRule::kOptional); !status.ok()) {
    return ToGrpcStatus(status);
  }
  auto checked = pipeline_.Check(change, CallerDeadline(*context));
  if (!checked.ok()) return ToGrpcStatus(checked.status());
  *response->mutable_outcome() = OutcomeToProto(*checked);
  return grpc::Status::OK;
}

grpc::Status SyncServer::AddTaskToCrm(grpc::ServerContext* context,
                                      const v1::AddTaskToCrmRequest* request,
                                      v1::AddTaskToCrmResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  AddToCrmRequest add;
  add.portal_id = request->portal_id();
  add.project_id = request->project_id();
  add.projects_task_id = request->projects_task_id();
  switch (request->target_case()) {
    case v1::AddTaskToCrmRequest::kCrmAccountId:
      add.crm_module = CrmModule::kAccounts;
      add.crm_record_id = request->crm_account_id();
      break;
    case v1::AddTaskToCrmRequest::kCrmDealId:
      add.crm_module = CrmModule::kDeals;
      add.crm_record_id = request->crm_deal_id();
      break;
    case v1::AddTaskToCrmRequest::TARGET_NOT_SET:
      break;
  }
  add.actor = {request->actor().user_id(), request->actor().email(),
               request->actor().display_name()};
  if (auto status = ValidateAddToCrm(add); !status.ok()) return ToGrpcStatus(status);
  auto link = add_to_crm_.Add(add, CallerDeadline(*context));
  if (!link.ok()) return ToGrpcStatus(link.status());
  *response->mutable_link() = LinkToProto(*link);
  return grpc::Status::OK;
}

grpc::Status SyncServer::GetTaskSyncState(grpc::ServerContext* context,
                                          const v1::GetTaskSyncStateRequest* request,
                                          v1::GetTaskSyncStateResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto status = CheckRecordId("portal_id", request->portal_id()); !status.ok()) {
    return ToGrpcStatus(status);
  }
  if (auto status = ValidateTaskRef(request->task(), "task"); !status.ok()) {
    return ToGrpcStatus(status);
  }
  return ToGrpcStatus(BuildState(request->portal_id(), request->task(), CallerDeadline(*context),
                                 response->mutable_state()));
}

absl::Status SyncServer::BuildState(absl::string_view portal_id, const v1::TaskRef& ref,
                                    absl::Time deadline, v1::TaskSyncState* state) {
  const Side side = static_cast<Side>(ref.side());
  ASSIGN_OR_RETURN(const std::optional<StoredTask> task,
                   store_.ReadTask(portal_id, side, ref.task_id(), deadline));
  if (!task.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("task: ", SideDisplayName(side), " task ", ref.task_id(), " is not linked"));
  }
  const StoredTask& stored = *task;
  *state->mutable_link() = LinkToProto(stored.link);
  for (Field field : kAllFields) {
    v1::FieldState* out = state->add_fields();
    out->set_field(static_cast<v1::TaskField>(field));
    auto it = stored.canonical.find(field);
    if (it == stored.canonical.end()) continue;
    const FieldState& current = it->second;
    *out->mutable_value() = ValueToProto(current.value);
    out->set_version(current.version);
    out->set_source_side(static_cast<common::v1::Side>(current.source_side));
    *out->mutable_source_modified_time() = ToProtoTimestamp(current.source_time);
    *out->mutable_update_time() = ToProtoTimestamp(stored.update_times.at(field));
    out->set_source_event_id(current.source_event_id);
  }
  ASSIGN_OR_RETURN(const std::vector<SideDeliveryRecord> deliveries,
                   store_.ReadDeliveries(portal_id, side, ref.task_id(), deadline));
  for (const SideDeliveryRecord& d : deliveries) {
    v1::SideDelivery* out = state->add_deliveries();
    out->set_side(static_cast<common::v1::Side>(d.side));
    out->set_last_result(static_cast<v1::DeliveryResult>(d.last_result));
    *out->mutable_last_attempt_time() = ToProtoTimestamp(d.last_attempt_time);
    if (d.last_success_time) {
      *out->mutable_last_success_time() = ToProtoTimestamp(*d.last_success_time);
    }
    out->set_last_error(d.last_error);
  }
  ASSIGN_OR_RETURN(
      const std::vector<PendingWrite> pending,
      store_.ListPendingWrites(portal_id, side, ref.task_id(), kMaxPendingWritesShown, deadline));
  for (const PendingWrite& write : pending) *state->add_pending() = PendingToProto(write);
  return absl::OkStatus();
}

grpc::Status SyncServer::Resync(grpc::ServerContext* context, const v1::ResyncRequest* request,
                                v1::ResyncResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto status = CheckRecordId("portal_id", request->portal_id()); !status.ok()) {
    return ToGrpcStatus(status);
  }
  const absl::Time deadline = CallerDeadline(*context);
  switch (request->scope_case()) {
    case v1::ResyncRequest::kAllTasks: {
      if (!request->all_tasks()) return ToGrpcStatus(Invalid("all_tasks", "must be true"));
      auto queued = resyncer_.QueuePortal(request->portal_id(), clock_.Now(), deadline);
      if (!queued.ok()) return ToGrpcStatus(queued.status());
      response->set_tasks_queued(*queued);
      return grpc::Status::OK;
    }
    case v1::ResyncRequest::kTask:
      break;
    case v1::ResyncRequest::SCOPE_NOT_SET:
      return ToGrpcStatus(Invalid("scope", "one of task or all_tasks is required"));
  }
  if (auto status = ValidateTaskRef(request->task(), "task"); !status.ok()) {
    return ToGrpcStatus(status);
  }
  auto processed =
      resyncer_.ResyncTask(request->portal_id(), static_cast<Side>(request->task().side()),
                           request->task().task_id(), deadline);
  if (!processed.ok()) return ToGrpcStatus(processed.status());
  for (const ProcessedChange& one : *processed) *response->add_outcomes() = OutcomeToProto(one);
  return ToGrpcStatus(
      BuildState(request->portal_id(), request->task(), deadline, response->mutable_state()));
}

grpc::Status SyncServer::ListFailures(grpc::ServerContext* context,
                                      const v1::ListFailuresRequest* request,
                                      v1::ListFailuresResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto status = CheckRecordId("portal_id", request->portal_id()); !status.ok()) {
    return ToGrpcStatus(status);
  }
  FailureQuery query;
  query.portal_id = request->portal_id();
  if (request->has_task()) {
    if (auto status = ValidateTaskRef(request->task(), "task"); !status.ok()) {
      return ToGrpcStatus(status);
    }
    query.task_side = static_cast<Side>(request->task().side());
    query.task_id = request->task().task_id();
  }
  if (request->reason() != v1::FAILURE_REASON_UNSPECIFIED) {
    if (!v1::FailureReason_IsValid(request->reason())) {
      return ToGrpcStatus(Invalid("reason", "not a FailureReason"));
    }
    query.reason = static_cast<FailureReason>(request->reason());
  }
  if (request->page_size() < 0) return ToGrpcStatus(Invalid("page_size", "must not be negative"));
  query.limit =
      request->page_size() == 0 ? kDefaultPageSize : std::min(request->page_size(), kMaxPageSize);
  const std::string filter = FailureFilter(*request);
  if (!request->page_token().empty()) {
    auto after = DecodeFailureToken(filter, request->page_token());
    if (!after.ok()) return ToGrpcStatus(after.status());
    query.after = *after;
  }
  // One more than the page tells whether another page follows.
  ++query.limit;
  auto failures = store_.ListFailures(query, CallerDeadline(*context));
  if (!failures.ok()) return ToGrpcStatus(failures.status());
  const bool more = static_cast<int>(failures->size()) == query.limit;
  if (more) failures->pop_back();
  for (const FailureRecord& f : *failures) *response->add_failures() = FailureToProto(f);
  if (more) response->set_next_page_token(EncodeFailureToken(filter, failures->back()));
  return grpc::Status::OK;
}

}  // namespace crmsync::sync

#include "services/sync/store/pg_store.h"

#include <functional>
#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libs/common/status_macros.h"
#include "libs/work_queue/pg_work_queue.h"
#include "nlohmann/json.hpp"
#include "services/sync/change/comment.h"
#include "services/sync/outbox.h"
#include "services/sync/store/pg_outbox.h"

namespace crmsync::sync {
namespace {

using Tx = pqxx::transaction_base;
using Json = nlohmann::json;

// A concurrent submission recorded the same event between our read and our insert.
constexpr int kEventRaceAttempts = 3;

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time TimeOf(const pqxx::row& row, const char* column) {
  return absl::FromUnixMicros(row[column].as<int64_t>());
}

std::optional<std::string> DayOrNull(const std::optional<absl::CivilDay>& day) {
  if (!day) return std::nullopt;
  return absl::FormatCivilTime(*day);
}

std::optional<absl::CivilDay> DayOf(const pqxx::row& row, const char* column) {
  absl::CivilDay day;
  if (row[column].is_null() || !absl::ParseCivilTime(row[column].c_str(), &day)) {
    return std::nullopt;
  }
  return day;
}

std::string SideName(Side side) { return std::string(SideKey(side)); }

const char* LinkStateName(LinkState state) {
  switch (state) {
    case LinkState::kActive:
      return "active";
    case LinkState::kPendingCreate:
      return "pending_create";
    case LinkState::kDeletedInCrm:
      return "deleted_in_crm";
    case LinkState::kDeletedInProjects:
      return "deleted_in_projects";
    case LinkState::kUnspecified:
      break;
  }
  return "";
}
LinkState LinkStateFromName(const std::string& name) {
  for (LinkState state : {LinkState::kActive, LinkState::kPendingCreate, LinkState::kDeletedInCrm,
                          LinkState::kDeletedInProjects}) {
    if (name == LinkStateName(state)) return state;
  }
  return LinkState::kUnspecified;
}

const char* ModuleName(CrmModule module) {
  return module == CrmModule::kDeals ? "deals" : "accounts";
}

Json ValueToJson(const FieldValue& value) {
  struct Visitor {
    Json operator()(const std::string& text) const { return {{"text", text}}; }
    Json operator()(const EndDate& date) const {
      if (!date) return {{"date", nullptr}};
      return {{"date", absl::FormatCivilTime(*date)}};
    }
    Json operator()(Priority p) const { return {{"priority", static_cast<int>(p)}}; }
    Json operator()(TaskStatus s) const { return {{"status", static_cast<int>(s)}}; }
    Json operator()(const Owner& o) const {
      return {{"owner",
               {{"email", o.email},
                {"crm_user_id", o.crm_user_id},
                {"projects_user_id", o.projects_user_id},
                {"display_name", o.display_name}}}};
    }
  };
  return std::visit(Visitor{}, value);
}

absl::StatusOr<FieldValue> ValueFromJson(const Json& json) {
  if (json.contains("text")) return FieldValue(json["text"].get<std::string>());
  if (json.contains("date")) {
    if (json["date"].is_null()) return FieldValue(EndDate());
    absl::CivilDay day;
    if (!absl::ParseCivilTime(json["date"].get<std::string>(), &day)) {
      return absl::InternalError("task_fields.value: a date that does not parse");
    }
    return FieldValue(EndDate(day));
  }
  if (json.contains("priority"))
    return FieldValue(static_cast<Priority>(json["priority"].get<int>()));
  if (json.contains("status"))
    return FieldValue(static_cast<TaskStatus>(json["status"].get<int>()));
  if (json.contains("owner")) {
    const Json& o = json["owner"];
    return FieldValue(Owner{o["email"].get<std::string>(), o["crm_user_id"].get<std::string>(),
                            o["projects_user_id"].get<std::string>(),
                            o["display_name"].get<std::string>()});
  }
  return absl::InternalError("task_fields.value: no known member");
}

absl::StatusOr<FieldValue> ValueFromText(const std::string& text) {
  const Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return absl::InternalError("a stored value is not JSON");
  return ValueFromJson(json);
}

Json OutcomeToJson(const RecordedOutcome& outcome) {
  Json fields = Json::array();
  for (const FieldDecision& f : outcome.decision.fields) {
    fields.push_back({{"field", FieldName(f.field)},
                      {"result", static_cast<int>(f.result)},
                      {"version", f.version},
                      {"reason", static_cast<int>(f.rejection ? f.rejection->reason
                                                              : FailureReason::kUnspecified)}});
  }
  return {{"result", static_cast<int>(outcome.decision.result)},
          {"reason", static_cast<int>(outcome.decision.reason)},
          {"message", outcome.decision.message},
          {"task_deleted", outcome.decision.marks_task_deleted},
          {"failure_id", outcome.failure_id},
          {"change_id", outcome.change_id},
          {"fields", std::move(fields)}};
}

absl::StatusOr<RecordedOutcome> OutcomeFromRow(const pqxx::row& row) {
  const Json json = Json::parse(row["outcome"].as<std::string>(), nullptr, false);
  if (json.is_discarded()) return absl::InternalError("processed_events.outcome is not JSON");
  RecordedOutcome out;
  out.duplicate = true;
  out.process_time = TimeOf(row, "process_micros");
  out.decision.result = static_cast<Outcome>(json["result"].get<int>());
  out.decision.reason = static_cast<FailureReason>(json["reason"].get<int>());
  out.decision.message = json["message"].get<std::string>();
  out.decision.marks_task_deleted = json["task_deleted"].get<bool>();
  out.failure_id = json["failure_id"].get<std::string>();
  out.change_id = json["change_id"].get<std::string>();
  for (const Json& f : json["fields"]) {
    FieldDecision d;
    const std::optional<Field> field = FieldFromName(f["field"].get<std::string>());
    if (!field) return absl::InternalError("processed_events.outcome names an unknown field");
    d.field = *field;
    d.result = static_cast<Outcome>(f["result"].get<int>());
    d.version = f["version"].get<int64_t>();
    const auto reason = static_cast<FailureReason>(f["reason"].get<int>());
    if (reason != FailureReason::kUnspecified) d.rejection = Rejection{reason, ""};
    out.decision.fields.push_back(std::move(d));
  }
  return out;
}

TaskLink LinkFrom(const pqxx::row& row) {
  TaskLink link;
  link.portal_id = row["portal_id"].as<std::string>();
  link.project_id = row["project_id"].as<std::string>();
  link.projects_task_id = row["projects_task_id"].as<std::string>();
  link.crm_task_id = row["crm_task_id"].as<std::string>();
  link.crm_module =
      row["crm_module"].as<std::string>() == "deals" ? CrmModule::kDeals : CrmModule::kAccounts;
  link.crm_record_id = row["crm_record_id"].as<std::string>();
  link.projects_parent_task_id = row["projects_parent_task_id"].as<std::string>();
  link.state = LinkStateFromName(row["state"].as<std::string>());
  link.create_time = TimeOf(row, "create_micros");
  link.update_time = TimeOf(row, "update_micros");
  return link;
}

absl::StatusOr<StoredTask> TaskFrom(Tx& tx, const pqxx::row& link_row) {
  StoredTask task;
  task.link = LinkFrom(link_row);
  for (const auto& row : tx.exec_prepared("task_fields", link_row["link_id"].as<int64_t>())) {
    const std::optional<Field> field = FieldFromName(row["field"].as<std::string>());
    if (!field) return absl::InternalError("task_fields.field: unknown field");
    FieldState state;
    ASSIGN_OR_RETURN(state.value, ValueFromText(row["value"].as<std::string>()));
    state.version = row["version"].as<int64_t>();
    state.source_side = SideFromKey(row["source_side"].as<std::string>());
    state.source_time = TimeOf(row, "source_micros");
    state.source_event_id = row["source_event_id"].as<std::string>();
    for (Side side : {Side::kCrm, Side::kProjects}) {
      const auto held = row[absl::StrCat(SideName(side), "_value")];
      if (held.is_null()) continue;
      ASSIGN_OR_RETURN(state.held[side], ValueFromText(held.as<std::string>()));
    }
    task.canonical.emplace(*field, std::move(state));
    task.update_times.emplace(*field, TimeOf(row, "update_micros"));
  }
  return task;
}

absl::StatusOr<FailureRecord> FailureFrom(const pqxx::row& row) {
  FailureRecord f;
  f.failure_id = row["failure_id"].as<std::string>();
  f.portal_id = row["portal_id"].as<std::string>();
  f.reason = ReasonFromName(row["reason"].as<std::string>()).value_or(FailureReason::kUnspecified);
  f.message = row["message"].as<std::string>();
  f.origin_side = SideFromKey(row["origin_side"].as<std::string>());
  f.event_id = row["event_id"].as<std::string>();
  f.project_id = row["project_id"].as<std::string>();
  f.projects_task_id = row["projects_task_id"].as<std::string>();
  f.crm_task_id = row["crm_task_id"].as<std::string>();
  f.field = FieldFromName(row["field"].as<std::string>());
  if (!row["attempted_value"].is_null()) {
    ASSIGN_OR_RETURN(f.attempted_value, ValueFromText(row["attempted_value"].as<std::string>()));
  }
  if (!row["kept_value"].is_null()) {
    ASSIGN_OR_RETURN(f.kept_value, ValueFromText(row["kept_value"].as<std::string>()));
  }
  f.actor = {row["actor_user_id"].as<std::string>(), row["actor_email"].as<std::string>(),
             row["actor_display_name"].as<std::string>()};
  f.create_time = TimeOf(row, "create_micros");
  f.task_title = row["task_title"].as<std::string>();
  f.project_name = row["project_name"].as<std::string>();
  f.project_start_date = DayOf(row, "project_start_date");
  f.project_end_date = DayOf(row, "project_end_date");
  f.parent_task_title = row["parent_task_title"].as<std::string>();
  return f;
}

void PutField(Tx& tx, int64_t link_id, Field field, const FieldState& state, absl::Time now) {
  tx.exec_prepared("put_field", link_id, std::string(FieldName(field)),
                   ValueToJson(state.value).dump(), state.version, SideName(state.source_side),
                   Micros(state.source_time), state.source_event_id, Micros(now));
}

std::optional<std::string> JsonOrNull(const std::optional<FieldValue>& value) {
  if (!value) return std::nullopt;
  return ValueToJson(*value).dump();
}

// Records the failure of a REJECTED change; returns its id.
std::string InsertFailure(Tx& tx, const TaskChange& change, const std::optional<StoredTask>& task,
                          const ChangeDecision& decision, const FailureContext& context,
                          absl::Time now) {
  std::string project_id = change.project_id;
  std::string projects_task_id = change.origin_side == Side::kProjects ? change.task_id : "";
  std::string crm_task_id = change.origin_side == Side::kCrm ? change.task_id : "";
  if (task) {
    project_id = task->link.project_id;
    projects_task_id = task->link.projects_task_id;
    crm_task_id = task->link.crm_task_id;
  }
  std::string task_title;
  if (task) {
    if (auto it = task->canonical.find(Field::kTitle); it != task->canonical.end()) {
      task_title = std::get<std::string>(it->second.value);
    }
  }
  std::string field;
  std::optional<FieldValue> attempted;
  std::optional<FieldValue> kept;
  if (!decision.fields.empty()) {
    const FieldDecision& first = decision.fields.front();
    field = std::string(FieldName(first.field));
    attempted = first.value;
    if (task) {
      if (auto it = task->canonical.find(first.field); it != task->canonical.end()) {
        kept = it->second.value;
      }
    }
  }
  const auto rows = tx.exec_prepared(
      "insert_failure", change.portal_id, std::string(ReasonName(decision.reason)),
      decision.message, SideName(change.origin_side), change.event_id, project_id, projects_task_id,
      crm_task_id, field, JsonOrNull(attempted), JsonOrNull(kept), change.actor.user_id,
      change.actor.email, change.actor.display_name, Micros(now), task_title, context.project_name,
      DayOrNull(context.project_start_date), DayOrNull(context.project_end_date),
      context.parent_task_title);
  return rows[0]["failure_id"].as<std::string>();
}

// Records an APPLIED change: its fields, or the deletion's mark; returns the change-log id.
std::string ApplyChange(Tx& tx, const TaskChange& change, int64_t link_id,
                        const ChangeDecision& decision, absl::Time now) {
  Json fields = Json::array();
  if (decision.marks_task_deleted) {
    tx.exec_prepared(
        "set_link_state", link_id,
        LinkStateName(change.origin_side == Side::kCrm ? LinkState::kDeletedInCrm
                                                       : LinkState::kDeletedInProjects),
        Micros(now));
  }
  for (const FieldDecision& f : decision.fields) {
    if (f.result != Outcome::kApplied || !f.value) continue;
    PutField(tx, link_id, f.field,
             FieldState{*f.value,
                        f.version,
                        change.origin_side,
                        *change.source_modified_time,
                        change.event_id,
                        {}},
             now);
    fields.push_back(
        {{"field", FieldName(f.field)}, {"version", f.version}, {"value", ValueToJson(*f.value)}});
  }
  const Json actor = {{"user_id", change.actor.user_id},
                      {"email", change.actor.email},
                      {"display_name", change.actor.display_name}};
  const auto rows = tx.exec_prepared(
      "insert_change", link_id, SideName(change.origin_side), change.event_id, fields.dump(),
      decision.marks_task_deleted, actor.dump(), Micros(*change.source_modified_time), Micros(now));
  return rows[0]["change_id"].as<std::string>();
}

// Records what the origin side of a change not REJECTED holds for the fields it carried
// (FieldState::held), after their canonical values.
void PutOriginValues(Tx& tx, const TaskChange& change, int64_t link_id,
                     const ChangeDecision& decision) {
  for (const auto& [field, value] : decision.origin_values) {
    tx.exec_prepared("put_side_value", link_id, std::string(FieldName(field)),
                     SideName(change.origin_side), ValueToJson(value).dump(), false);
  }
}

// Records a REJECTED change's failure and queues its relay to notify; returns the failure's id.
absl::StatusOr<std::string> RecordFailure(Tx& tx, const TaskChange& change,
                                          const std::optional<StoredTask>& task,
                                          const ChangeDecision& decision,
                                          const FailureContext& context, absl::Time now) {
  std::string failure_id = InsertFailure(tx, change, task, decision, context, now);
  RETURN_IF_ERROR(
      work_queue::Enqueue(tx, {kFailureRelayQueue, failure_id, failure_id, "", now}, now).status());
  return failure_id;
}

// Records the event with its outcome. ABORTED, with `raced` set, when a concurrent submission
// recorded it first.
absl::Status InsertEvent(Tx& tx, const std::string& portal_id, const std::string& side,
                         const std::string& event_id, const RecordedOutcome& outcome,
                         absl::Time now, bool& raced) {
  raced = tx.exec_prepared("insert_processed_event", portal_id, side, event_id,
                           OutcomeToJson(outcome).dump(), Micros(now))
              .empty();
  if (raced) return absl::AbortedError("the event was recorded concurrently");
  return absl::OkStatus();
}

// Runs `record`, the one transaction of an event, again when a concurrent submission of the same
// event raced it (InsertEvent), up to kEventRaceAttempts times in all: the next attempt finds
// the first outcome.
template <typename T>
absl::StatusOr<T> TransactEvent(pg::Pool& pool, absl::Time deadline,
                                const std::function<absl::StatusOr<T>(Tx&, bool& raced)>& record) {
  for (int attempt = 1;; ++attempt) {
    bool raced = false;
    absl::StatusOr<T> result = pool.TransactValue<T>(
        [&](Tx& tx) {
          raced = false;
          return record(tx, raced);
        },
        pg::Isolation::kReadCommitted, deadline);
    if (!raced || attempt >= kEventRaceAttempts) return result;
  }
}

// The comment as the change its failure is recorded against: its portal, side, event, task
// and author, and no field.
TaskChange AsChange(const CommentChange& comment) {
  TaskChange change;
  change.portal_id = comment.portal_id;
  change.origin_side = comment.origin_side;
  change.event_id = comment.event_id;
  change.task_id = comment.task_id;
  change.actor = comment.author;
  change.source_modified_time = comment.source_modified_time;
  return change;
}

// What comment_copies knows of a comment of the task linked as `link_id`: the context of its
// decision (but the link's state) and the comment's own copy record, 0 when it has none.
struct CopyRecord {
  CommentContext context;
  int64_t copy_id = 0;
};

CopyRecord CopyRecordOf(Tx& tx, int64_t link_id, const CommentChange& comment) {
  const std::string side = SideName(comment.origin_side);
  CopyRecord record;
  for (const auto& row : tx.exec_prepared("comment_copies_of", link_id, side, comment.comment_id,
                                          SideName(OtherSide(comment.origin_side)))) {
    if (row["origin_side"].as<std::string>() != side) {
      record.context.is_our_copy = true;
      continue;
    }
    record.copy_id = row["copy_id"].as<int64_t>();
    record.context.copied = true;
    record.context.has_copy = !row["deleted"].as<bool>();
  }
  return record;
}

// Queues the outbox write `kind` (ADD_COMMENT or DELETE_COMMENT) of the copy `copy_id`, to the
// side opposite the comment's.
absl::Status EnqueueCommentWrite(Tx& tx, OutboxKind kind, int64_t link_id, int64_t copy_id,
                                 const CommentChange& comment, absl::Time now) {
  OutboxWrite write;
  write.kind = kind;
  write.target_side = OtherSide(comment.origin_side);
  write.link_id = link_id;
  write.copy_id = copy_id;
  write.origin_side = comment.origin_side;
  write.event_id = comment.event_id;
  write.actor = comment.author;
  write.accept_time = now;
  const std::string key =
      absl::StrCat(kind == OutboxKind::kAddComment ? "comment-add:" : "comment-delete:", copy_id);
  return QueueWrite(tx, key, write, now);
}

// Records an APPLIED comment: the addition's copy record, or its deletion's mark, and the
// write that carries it to the other side.
absl::Status ApplyComment(Tx& tx, const CommentChange& comment, int64_t link_id, int64_t copy_id,
                          absl::Time now) {
  if (comment.action == CommentAction::kDelete) {
    tx.exec_prepared("mark_comment_copy_deleted", copy_id, Micros(now));
    return EnqueueCommentWrite(tx, OutboxKind::kDeleteComment, link_id, copy_id, comment, now);
  }
  const Json author = {{"user_id", comment.author.user_id},
                       {"email", comment.author.email},
                       {"display_name", comment.author.display_name}};
  const auto rows =
      tx.exec_prepared("insert_comment_copy", link_id, SideName(comment.origin_side),
                       comment.comment_id, CopyText(comment), author.dump(), Micros(now));
  return EnqueueCommentWrite(tx, OutboxKind::kAddComment, link_id, rows[0]["copy_id"].as<int64_t>(),
                             comment, now);
}

// Inserts the link and its fields' canonical state; returns the link's row.
pqxx::row InsertLink(Tx& tx, const TaskLink& link, const CanonicalTask& canonical, absl::Time now) {
  const auto rows =
      tx.exec_prepared("insert_link", link.portal_id, link.project_id, link.projects_task_id,
                       link.crm_task_id, ModuleName(link.crm_module), link.crm_record_id,
                       link.projects_parent_task_id, LinkStateName(link.state), Micros(now));
  const int64_t link_id = rows[0]["link_id"].as<int64_t>();
  for (const auto& [field, state] : canonical) PutField(tx, link_id, field, state, now);
  return rows[0];
}

}  // namespace

absl::StatusOr<TaskLink> PgStore::CreateLink(const TaskLink& link, const CanonicalTask& canonical,
                                             absl::Time now) {
  return pool_.TransactValue<TaskLink>([&](Tx& tx) -> absl::StatusOr<TaskLink> {
    return LinkFrom(InsertLink(tx, link, canonical, now));
  });
}

absl::StatusOr<TaskLink> PgStore::CreateLinkAndQueue(const TaskLink& link,
                                                     const CanonicalTask& canonical,
                                                     const OutboxWrite& create, absl::Time now,
                                                     absl::Time deadline) {
  return pool_.TransactValue<TaskLink>(
      [&](Tx& tx) -> absl::StatusOr<TaskLink> {
        const pqxx::row row = InsertLink(tx, link, canonical, now);
        OutboxWrite write = create;
        write.link_id = row["link_id"].as<int64_t>();
        RETURN_IF_ERROR(QueueWrite(tx, absl::StrCat("create:", write.link_id), write, now));
        return LinkFrom(row);
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<std::optional<StoredTask>> PgStore::ReadTask(absl::string_view portal_id, Side side,
                                                            absl::string_view task_id,
                                                            absl::Time deadline) {
  using Result = std::optional<StoredTask>;
  return pool_.TransactValue<Result>(
      [&](Tx& tx) -> absl::StatusOr<Result> {
        const auto rows = tx.exec_prepared("find_link", std::string(portal_id), SideName(side),
                                           std::string(task_id));
        if (rows.empty()) return std::nullopt;
        return TaskFrom(tx, rows[0]);
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::Status PgStore::RecordWritten(int64_t link_id, Side side,
                                    const std::map<Field, FieldValue>& values) {
  return pool_.Transact([&](Tx& tx) -> absl::Status {
    for (const auto& [field, value] : values) {
      tx.exec_prepared("put_side_value", link_id, std::string(FieldName(field)), SideName(side),
                       ValueToJson(value).dump(), true);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<RecordedOutcome>> PgStore::FindEvent(absl::string_view portal_id,
                                                                  Side side,
                                                                  absl::string_view event_id,
                                                                  absl::Time deadline) {
  using Result = std::optional<RecordedOutcome>;
  return pool_.TransactValue<Result>(
      [&](Tx& tx) -> absl::StatusOr<Result> {
        const auto rows = tx.exec_prepared("processed_event", std::string(portal_id),
                                           SideName(side), std::string(event_id));
        if (rows.empty()) return std::nullopt;
        return OutcomeFromRow(rows[0]);
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<RecordedOutcome> PgStore::RecordChange(const TaskChange& change,
                                                      const DecideFn& decide,
                                                      RejectionPolicy policy, absl::Time now,
                                                      absl::Time deadline) {
  if (!change.source_modified_time) {
    return absl::InvalidArgumentError("change.source_modified_time: required");
  }
  const std::string side = SideName(change.origin_side);
  return TransactEvent<RecordedOutcome>(
      pool_, deadline, [&](Tx& tx, bool& raced) -> absl::StatusOr<RecordedOutcome> {
        // The link's lock first: a change of this task committed meanwhile is seen whole below.
        const auto links = tx.exec_prepared("lock_link", change.portal_id, side, change.task_id);
        const auto seen =
            tx.exec_prepared("processed_event", change.portal_id, side, change.event_id);
        if (!seen.empty()) return OutcomeFromRow(seen[0]);
        std::optional<StoredTask> task;
        if (!links.empty()) {
          ASSIGN_OR_RETURN(task, TaskFrom(tx, links[0]));
        }
        FailureContext context;
        ASSIGN_OR_RETURN(ChangeDecision decision, decide(task, context));
        RecordedOutcome out;
        out.process_time = now;
        const int64_t link_id = links.empty() ? 0 : links[0]["link_id"].as<int64_t>();
        if (decision.result == Outcome::kApplied && task) {
          out.change_id = ApplyChange(tx, change, link_id, decision, now);
          if (auto write = UpdateForApplied(change, link_id, decision, now)) {
            RETURN_IF_ERROR(QueueWrite(tx, absl::StrCat("update:", out.change_id), *write, now));
          }
        }
        if (decision.result != Outcome::kRejected && task) {
          PutOriginValues(tx, change, link_id, decision);
        } else if (decision.result == Outcome::kRejected &&
                   decision.reason != FailureReason::kTaskNotLinked) {
          ASSIGN_OR_RETURN(out.failure_id, RecordFailure(tx, change, task, decision, context, now));
          if (task) {
            if (auto write =
                    RestoreForRejected(change, link_id, decision, task->canonical, policy, now)) {
              RETURN_IF_ERROR(
                  QueueWrite(tx, absl::StrCat("restore:", out.failure_id), *write, now));
            }
          }
        }
        out.decision = std::move(decision);
        RETURN_IF_ERROR(InsertEvent(tx, change.portal_id, side, change.event_id, out, now, raced));
        return out;
      });
}

absl::StatusOr<RecordedComment> PgStore::RecordComment(const CommentChange& comment, absl::Time now,
                                                       absl::Time deadline) {
  const std::string side = SideName(comment.origin_side);
  return TransactEvent<RecordedComment>(
      pool_, deadline, [&](Tx& tx, bool& raced) -> absl::StatusOr<RecordedComment> {
        const auto links = tx.exec_prepared("lock_link", comment.portal_id, side, comment.task_id);
        RecordedComment out;
        if (!links.empty()) out.link = LinkFrom(links[0]);
        const auto seen =
            tx.exec_prepared("processed_event", comment.portal_id, side, comment.event_id);
        if (!seen.empty()) {
          ASSIGN_OR_RETURN(out.outcome, OutcomeFromRow(seen[0]));
          return out;
        }
        int64_t link_id = 0;
        CopyRecord record;
        if (out.link) {
          link_id = links[0]["link_id"].as<int64_t>();
          record = CopyRecordOf(tx, link_id, comment);
          record.context.link = out.link->state;
        }
        out.outcome.decision = DecideComment(comment, record.context);
        out.outcome.process_time = now;
        const ChangeDecision& decision = out.outcome.decision;
        if (decision.result == Outcome::kApplied) {
          RETURN_IF_ERROR(ApplyComment(tx, comment, link_id, record.copy_id, now));
        } else if (decision.result == Outcome::kRejected &&
                   decision.reason != FailureReason::kTaskNotLinked) {
          std::optional<StoredTask> task;
          if (out.link) {
            ASSIGN_OR_RETURN(task, TaskFrom(tx, links[0]));
          }
          ASSIGN_OR_RETURN(out.outcome.failure_id,
                           RecordFailure(tx, AsChange(comment), task, decision, {}, now));
        }
        RETURN_IF_ERROR(
            InsertEvent(tx, comment.portal_id, side, comment.event_id, out.outcome, now, raced));
        return out;
      });
}

absl::StatusOr<std::vector<PendingWrite>> PgStore::ListPendingWrites(absl::string_view portal_id,
                                                                     Side side,
                                                                     absl::string_view task_id,
                                                                     int limit,
                                                                     absl::Time deadline) {
  using Result = std::vector<PendingWrite>;
  return pool_.TransactValue<Result>(
      [&](Tx& tx) -> absl::StatusOr<Result> {
        const auto links = tx.exec_prepared("find_link", std::string(portal_id), SideName(side),
                                            std::string(task_id));
        if (links.empty()) return Result();
        return ReadPendingWrites(tx, links[0]["link_id"].as<int64_t>(), limit);
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<std::vector<CopiedComment>> PgStore::ListCopiedComments(absl::string_view portal_id,
                                                                       Side origin,
                                                                       absl::Time deadline) {
  using Result = std::vector<CopiedComment>;
  return pool_.TransactValue<Result>(
      [&](Tx& tx) -> absl::StatusOr<Result> {
        Result copied;
        for (const auto& row :
             tx.exec_prepared("copied_comments", std::string(portal_id), SideName(origin))) {
          copied.push_back(
              {row["task_id"].as<std::string>(), row["origin_comment_id"].as<std::string>()});
        }
        return copied;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<FailureRecord> PgStore::GetFailure(absl::string_view failure_id) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(failure_id, &id)) {
    return absl::NotFoundError(absl::StrCat("failure ", failure_id, " does not exist"));
  }
  return pool_.TransactValue<FailureRecord>([&](Tx& tx) -> absl::StatusOr<FailureRecord> {
    const auto rows = tx.exec_prepared("get_failure", id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("failure ", failure_id, " does not exist"));
    }
    return FailureFrom(rows[0]);
  });
}

absl::StatusOr<std::vector<FailureRecord>> PgStore::ListFailures(const FailureQuery& query,
                                                                 absl::Time deadline) {
  using Result = std::vector<FailureRecord>;
  return pool_.TransactValue<Result>(
      [&](Tx& tx) -> absl::StatusOr<Result> {
        std::optional<int64_t> after_micros;
        int64_t after_id = 0;
        if (query.after) {
          after_micros = Micros(query.after->create_time);
          after_id = query.after->failure_id;
        }
        const std::string task_side =
            query.task_side == Side::kUnspecified ? "" : SideName(query.task_side);
        Result out;
        for (const auto& row : tx.exec_prepared(
                 "list_failures", query.portal_id, task_side, query.task_id,
                 std::string(ReasonName(query.reason)), after_micros, after_id, query.limit)) {
          ASSIGN_OR_RETURN(FailureRecord f, FailureFrom(row));
          out.push_back(std::move(f));
        }
        return out;
      },
      pg::Isolation::kReadCommitted, deadline);
}

}  // namespace crmsync::sync

#include "services/sync/store/pg_outbox.h"

#include <pqxx/pqxx>
#include <utility>

#include "libs/common/status_macros.h"
#include "libs/work_queue/pg_work_queue.h"

namespace crmsync::sync {
namespace {

OutboxWrite UpdateOf(const TaskChange& change, int64_t link_id, Side target,
                     std::vector<Field> fields, absl::Time now) {
  OutboxWrite write;
  write.kind = OutboxKind::kUpdateTask;
  write.target_side = target;
  write.link_id = link_id;
  write.fields = std::move(fields);
  write.origin_side = change.origin_side;
  write.event_id = change.event_id;
  write.actor = change.actor;
  write.accept_time = now;
  return write;
}

}  // namespace

std::optional<OutboxWrite> UpdateForApplied(const TaskChange& change, int64_t link_id,
                                            const ChangeDecision& decision, absl::Time now) {
  std::vector<Field> fields;
  for (const FieldDecision& f : decision.fields) {
    if (f.result == Outcome::kApplied) fields.push_back(f.field);
  }
  if (decision.result != Outcome::kApplied || fields.empty()) return std::nullopt;
  return UpdateOf(change, link_id, OtherSide(change.origin_side), std::move(fields), now);
}

std::optional<OutboxWrite> RestoreForRejected(const TaskChange& change, int64_t link_id,
                                              const ChangeDecision& decision,
                                              const CanonicalTask& canonical,
                                              RejectionPolicy policy, absl::Time now) {
  if (policy != RejectionPolicy::kReportAndRestore || decision.result != Outcome::kRejected ||
      decision.reason == FailureReason::kTaskNotLinked ||
      decision.reason == FailureReason::kTaskDeletedOnOtherSide) {
    return std::nullopt;
  }
  std::vector<Field> fields;
  for (const FieldDecision& f : decision.fields) {
    if (f.result == Outcome::kRejected && canonical.contains(f.field)) fields.push_back(f.field);
  }
  if (fields.empty()) return std::nullopt;
  return UpdateOf(change, link_id, change.origin_side, std::move(fields), now);
}

absl::Status QueueWrite(pqxx::transaction_base& tx, const std::string& key,
                        const OutboxWrite& write, absl::Time now) {
  return work_queue::Enqueue(
             tx, {kOutboxQueue, key, EncodeOutboxWrite(write), OutboxGroup(write.link_id), now},
             now)
      .status();
}

absl::StatusOr<std::vector<PendingWrite>> ReadPendingWrites(pqxx::transaction_base& tx,
                                                            int64_t link_id, int limit) {
  std::vector<PendingWrite> out;
  for (const auto& row :
       tx.exec_prepared("pending_writes", kOutboxQueue, OutboxGroup(link_id), limit)) {
    PendingWrite pending;
    pending.outbox_id = row["item_id"].as<std::string>();
    ASSIGN_OR_RETURN(pending.write, DecodeOutboxWrite(row["payload"].as<std::string>()));
    pending.in_flight = row["state"].as<std::string>() == "RUNNING";
    pending.attempts = row["attempts"].as<int>();
    if (!row["next_attempt_micros"].is_null()) {
      pending.next_attempt_time = absl::FromUnixMicros(row["next_attempt_micros"].as<int64_t>());
    }
    pending.last_error = row["last_error"].as<std::string>();
    pending.create_time = absl::FromUnixMicros(row["create_micros"].as<int64_t>());
    out.push_back(std::move(pending));
  }
  return out;
}

}  // namespace crmsync::sync

#include "services/sync/store/pg_delivery_store.h"

#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"

namespace crmsync::sync {
namespace {

using Tx = pqxx::transaction_base;

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

const char* DeliveryResultName(work_queue::Resolution::Kind kind) {
  switch (kind) {
    case work_queue::Resolution::Kind::kDone:
      return "succeeded";
    case work_queue::Resolution::Kind::kRetry:
      return "retrying";
    default:
      return "failed";
  }
}

// Records the failure of the DEAD write and queues its relay; nothing when the link is gone.
absl::Status InsertFailure(Tx& tx, const OutboxWrite& write, const DeliveryFailure& failure,
                           absl::Time now) {
  const std::string field = failure.field ? std::string(FieldName(*failure.field)) : "";
  const auto rows = tx.exec_prepared("delivery_failure_task", write.link_id, field);
  if (rows.empty()) return absl::OkStatus();
  const pqxx::row& task = rows[0];
  std::optional<std::string> attempted;
  if (!task["field_value"].is_null()) attempted = task["field_value"].as<std::string>();
  const Side origin =
      write.origin_side == Side::kUnspecified ? OtherSide(write.target_side) : write.origin_side;
  const std::optional<std::string> none;
  const auto inserted = tx.exec_prepared(
      "insert_failure", task["portal_id"].as<std::string>(),
      std::string(ReasonName(failure.reason)), failure.message, std::string(SideKey(origin)),
      write.event_id, task["project_id"].as<std::string>(),
      task["projects_task_id"].as<std::string>(), task["crm_task_id"].as<std::string>(), field,
      attempted, none, write.actor.user_id, write.actor.email, write.actor.display_name,
      Micros(now), task["task_title"].as<std::string>(), std::string(), none, none, std::string());
  const std::string failure_id = inserted[0]["failure_id"].as<std::string>();
  return work_queue::Enqueue(tx, {kFailureRelayQueue, failure_id, failure_id, "", now}, now)
      .status();
}

DeliveryResult DeliveryResultFrom(const std::string& name) {
  if (name == "succeeded") return DeliveryResult::kSucceeded;
  if (name == "retrying") return DeliveryResult::kRetrying;
  return DeliveryResult::kFailed;
}

std::optional<absl::Time> TimeOrNull(const pqxx::row& row, const char* column) {
  if (row[column].is_null()) return std::nullopt;
  return absl::FromUnixMicros(row[column].as<int64_t>());
}

}  // namespace

absl::StatusOr<std::vector<SideDeliveryRecord>> PgStore::ReadDeliveries(absl::string_view portal_id,
                                                                        Side side,
                                                                        absl::string_view task_id,
                                                                        absl::Time deadline) {
  using Result = std::vector<SideDeliveryRecord>;
  return pool_.TransactValue<Result>(
      [&](Tx& tx) -> absl::StatusOr<Result> {
        Result deliveries;
        const auto links = tx.exec_prepared("find_link", std::string(portal_id),
                                            std::string(SideKey(side)), std::string(task_id));
        if (links.empty()) return deliveries;
        for (const auto& row :
             tx.exec_prepared("task_deliveries", links[0]["link_id"].as<int64_t>())) {
          deliveries.push_back({SideFromKey(row["side"].as<std::string>()),
                                DeliveryResultFrom(row["last_result"].as<std::string>()),
                                absl::FromUnixMicros(row["attempt_micros"].as<int64_t>()),
                                TimeOrNull(row, "success_micros"),
                                row["last_error"].as<std::string>()});
        }
        return deliveries;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<std::optional<StoredTask>> PgDeliveryStore::ReadLinked(int64_t link_id) {
  struct Key {
    std::string portal_id;
    std::string projects_task_id;
  };
  auto key =
      pool_.TransactValue<std::optional<Key>>([&](Tx& tx) -> absl::StatusOr<std::optional<Key>> {
        const auto rows = tx.exec_prepared("link_by_id", link_id);
        if (rows.empty()) return std::nullopt;
        return Key{rows[0]["portal_id"].as<std::string>(),
                   rows[0]["projects_task_id"].as<std::string>()};
      });
  if (!key.ok()) return key.status();
  if (!key->has_value()) return std::nullopt;
  return store_.ReadTask((*key)->portal_id, Side::kProjects, (*key)->projects_task_id,
                         absl::InfiniteFuture());
}

absl::StatusOr<bool> PgDeliveryStore::ActivateLink(int64_t link_id, const std::string& crm_task_id,
                                                   const work_queue::Claim& claim, absl::Time now) {
  return pool_.TransactValue<bool>([&](Tx& tx) -> absl::StatusOr<bool> {
    return !tx.exec_prepared("activate_link", link_id, crm_task_id, Micros(now), claim.item_id,
                             claim.fence)
                .empty();
  });
}

absl::Status PgDeliveryStore::RecordWritten(int64_t link_id, Side side,
                                            const std::map<Field, FieldValue>& values) {
  return store_.RecordWritten(link_id, side, values);
}

absl::StatusOr<std::optional<CommentCopy>> PgDeliveryStore::ReadCopy(int64_t copy_id) {
  using Result = std::optional<CommentCopy>;
  return pool_.TransactValue<Result>([&](Tx& tx) -> absl::StatusOr<Result> {
    const auto rows = tx.exec_prepared("comment_copy", copy_id);
    if (rows.empty()) return std::nullopt;
    const pqxx::row& row = rows[0];
    return CommentCopy{row["copy_id"].as<int64_t>(),
                       row["link_id"].as<int64_t>(),
                       SideFromKey(row["origin_side"].as<std::string>()),
                       row["content"].as<std::string>(),
                       row["copy_comment_id"].as<std::string>(),
                       row["deleted"].as<bool>()};
  });
}

absl::StatusOr<bool> PgDeliveryStore::SetCopyCommentId(int64_t copy_id,
                                                       const std::string& comment_id,
                                                       const work_queue::Claim& claim,
                                                       absl::Time now) {
  return pool_.TransactValue<bool>([&](Tx& tx) -> absl::StatusOr<bool> {
    return !tx.exec_prepared("set_copy_comment_id", copy_id, comment_id, Micros(now), claim.item_id,
                             claim.fence)
                .empty();
  });
}

work_queue::PgHooks PgDeliveryStore::OutboxHooks(DeliveryFailureOf failure_of) {
  work_queue::PgHooks hooks;
  hooks.on_complete = [failure_of = std::move(failure_of)](Tx& tx, const work_queue::Claim& claim,
                                                           const work_queue::Resolution& resolution,
                                                           absl::Time now) -> absl::Status {
    if (resolution.kind == work_queue::Resolution::Kind::kReleased) return absl::OkStatus();
    // A payload that is no write names no task: there is nothing to record about one.
    absl::StatusOr<OutboxWrite> write = DecodeOutboxWrite(claim.payload);
    if (!write.ok()) return absl::OkStatus();
    tx.exec_prepared("put_delivery", write->link_id, std::string(SideKey(write->target_side)),
                     DeliveryResultName(resolution.kind), Micros(now), resolution.error);
    if (resolution.kind != work_queue::Resolution::Kind::kDead) return absl::OkStatus();
    std::optional<DeliveryFailure> failure = failure_of(claim);
    if (!failure) {
      failure = DeliveryFailure{
          FailureReason::kDeliveryRetriesExhausted,
          absl::StrCat("The write to ", SideDisplayName(write->target_side),
                       " was not accepted after repeated attempts: ", resolution.error),
          std::nullopt};
    }
    return InsertFailure(tx, *write, *failure, now);
  };
  return hooks;
}

}  // namespace crmsync::sync

// Queues the outbox's writes as the code recording a change, a comment or an Add to CRM does
// (outbox.h: one work item per write in the task's group), for the delivery tests.
#ifndef CRMSYNC_TESTS_SERVICES_SYNC_OUTBOX_WRITES_H_
#define CRMSYNC_TESTS_SERVICES_SYNC_OUTBOX_WRITES_H_

#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "libs/pg/pool.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/sync/outbox.h"

namespace crmsync::sync::testing {

// Queues `writes` (item key, write) in one transaction at `now`.
inline absl::Status QueueWrites(pg::Pool& pool,
                                const std::vector<std::pair<std::string, OutboxWrite>>& writes,
                                absl::Time now) {
  return pool.Transact([&](pqxx::transaction_base& tx) {
    for (const auto& [key, write] : writes) {
      auto added = work_queue::Enqueue(
          tx, {kOutboxQueue, key, EncodeOutboxWrite(write), OutboxGroup(write.link_id), now}, now);
      if (!added.ok()) return added.status();
    }
    return absl::OkStatus();
  });
}

// The id of the link of the Projects task `projects_task_id`.
inline absl::StatusOr<int64_t> LinkIdOf(pg::Pool& pool, const std::string& projects_task_id) {
  return pool.TransactValue<int64_t>([&](pqxx::transaction_base& tx) {
    return tx
        .exec_params1("SELECT link_id FROM task_links WHERE projects_task_id = $1",
                      projects_task_id)[0]
        .as<int64_t>();
  });
}

// A comment accepted from `origin` on the task linked as `link_id`, with `content` as its copy's
// text: its comment_copies row and its ADD_COMMENT write queued; returns the copy id.
inline absl::StatusOr<int64_t> QueueCommentCopy(pg::Pool& pool, int64_t link_id, Side origin,
                                                const std::string& content, absl::Time now) {
  auto copy = pool.TransactValue<int64_t>([&](pqxx::transaction_base& tx) {
    return tx
        .exec_params1(
            "INSERT INTO comment_copies (link_id, origin_side, origin_comment_id, content, author, "
            "create_time, update_time) VALUES ($1, $2, $3, $4, '{}', now(), now()) "
            "RETURNING copy_id",
            link_id, std::string(SideKey(origin)), absl::StrCat("original-of-", content),
            content)[0]
        .as<int64_t>();
  });
  if (!copy.ok()) return copy.status();
  OutboxWrite write;
  write.kind = OutboxKind::kAddComment;
  write.target_side = OtherSide(origin);
  write.link_id = link_id;
  write.copy_id = *copy;
  write.origin_side = origin;
  write.event_id = absl::StrCat("comment-", *copy);
  write.accept_time = now;
  if (auto queued = QueueWrites(pool, {{absl::StrCat("comment-add:", *copy), write}}, now);
      !queued.ok()) {
    return queued;
  }
  return *copy;
}

}  // namespace crmsync::sync::testing

#endif  // CRMSYNC_TESTS_SERVICES_SYNC_OUTBOX_WRITES_H_

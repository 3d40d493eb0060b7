#include "services/sync/store/pg_resync_queue.h"

#include <pqxx/pqxx>
#include <string>

#include "absl/strings/str_cat.h"
#include "libs/work_queue/pg_work_queue.h"

namespace crmsync::sync {

absl::StatusOr<int> PgResyncQueue::QueueLinkedTasks(absl::string_view portal_id, absl::Time now) {
  return pool_.TransactValue<int>([&](pqxx::transaction_base& tx) -> absl::StatusOr<int> {
    const auto rows =
        tx.exec_prepared("resync_candidates", std::string(portal_id), std::string(kResyncQueue));
    int queued = 0;
    for (const auto& row : rows) {
      const work_queue::NewItem item{
          .queue = kResyncQueue,
          .key = absl::StrCat(row["link_id"].as<int64_t>(), "@",
                              row["last_finished_item"].as<int64_t>()),
          .payload = absl::StrCat(portal_id, "\t", row["projects_task_id"].as<std::string>()),
          .group = "",
          .due = now};
      absl::StatusOr<bool> added = work_queue::Enqueue(tx, item, now);
      if (!added.ok()) return added.status();
      if (*added) ++queued;
    }
    return queued;
  });
}

}  // namespace crmsync::sync

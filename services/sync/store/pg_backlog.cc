#include "services/sync/store/pg_backlog.h"

#include <pqxx/pqxx>

#include "services/sync/outbox.h"
#include "services/sync/store/inbox_store.h"

namespace crmsync::sync {

absl::StatusOr<SyncBacklog> ReadBacklog(pg::Pool& pool) {
  return pool.TransactValue<SyncBacklog>([](pqxx::transaction_base& tx) {
    SyncBacklog backlog;
    for (const pqxx::row& row : tx.exec_prepared("outbox_backlog", kOutboxQueue)) {
      const Side target = SideFromKey(row["target_side"].as<std::string>(""));
      if (target == Side::kUnspecified) continue;
      backlog.outbox[target] = {row["depth"].as<int64_t>(),
                                absl::FromUnixMicros(row["oldest_us"].as<int64_t>())};
    }
    for (const pqxx::row& row : tx.exec_prepared("inbox_backlog", kInboxQueue)) {
      backlog.inbox[SideFromKey(row["side"].as<std::string>())] = row["backlog"].as<int64_t>();
    }
    return absl::StatusOr<SyncBacklog>(std::move(backlog));
  });
}

}  // namespace crmsync::sync

#include "services/sync/store/pg_reconcile_store.h"

#include <pqxx/pqxx>
#include <string>

#include "absl/strings/str_cat.h"

namespace crmsync::sync {
namespace {

using Tx = pqxx::transaction_base;

}  // namespace

work_queue::PgHooks PgReconcileStore::PassHooks(absl::Duration interval) {
  work_queue::PgHooks hooks;
  hooks.on_complete = [interval](Tx& tx, const work_queue::Claim& claim,
                                 const work_queue::Resolution& resolution,
                                 absl::Time now) -> absl::Status {
    if (resolution.kind != work_queue::Resolution::Kind::kDone) return absl::OkStatus();
    const auto live = tx.exec_prepared("reconcile_has_live_links", claim.payload);
    if (!live[0]["live"].as<bool>()) return absl::OkStatus();
    // Keyed by the pass it follows: completing one pass twice is impossible (fenced), so the
    // key is new, and a replica's QueuePasses sees this item in the same commit as the done one.
    return work_queue::Enqueue(tx,
                               {.queue = kReconcileQueue,
                                .key = absl::StrCat(claim.payload, "@after:", claim.item_id),
                                .payload = claim.payload,
                                .group = "",
                                .due = now + interval},
                               now)
        .status();
  };
  return hooks;
}

absl::StatusOr<int> PgReconcileStore::QueuePasses(absl::Time now) {
  return pool_.TransactValue<int>([&](Tx& tx) -> absl::StatusOr<int> {
    tx.exec_prepared("reconcile_lock");
    const auto rows = tx.exec_prepared("reconcile_unqueued_portals", std::string(kReconcileQueue));
    int queued = 0;
    for (const auto& row : rows) {
      const std::string portal_id = row["portal_id"].as<std::string>();
      absl::StatusOr<bool> added =
          work_queue::Enqueue(tx,
                              {.queue = kReconcileQueue,
                               .key = absl::StrCat(portal_id, "@at:", absl::ToUnixMicros(now)),
                               .payload = portal_id,
                               .group = "",
                               .due = now},
                              now);
      if (!added.ok()) return added.status();
      if (*added) ++queued;
    }
    return queued;
  });
}

absl::StatusOr<std::vector<TaskLink>> PgReconcileStore::LiveLinks(absl::string_view portal_id,
                                                                  absl::Time deadline) {
  using Links = std::vector<TaskLink>;
  return pool_.TransactValue<Links>(
      [&](Tx& tx) -> absl::StatusOr<Links> {
        Links links;
        for (const auto& row : tx.exec_prepared("reconcile_links", std::string(portal_id))) {
          TaskLink link;
          link.portal_id = std::string(portal_id);
          link.project_id = row["project_id"].as<std::string>();
          link.projects_task_id = row["projects_task_id"].as<std::string>();
          link.crm_task_id = row["crm_task_id"].as<std::string>();
          link.projects_parent_task_id = row["projects_parent_task_id"].as<std::string>();
          link.state = row["state"].as<std::string>() == "pending_create"
                           ? LinkState::kPendingCreate
                           : LinkState::kActive;
          link.create_time = absl::FromUnixMicros(row["create_micros"].as<int64_t>());
          links.push_back(std::move(link));
        }
        return links;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<ReconcileCursors> PgReconcileStore::Cursors(absl::string_view portal_id,
                                                           absl::Time deadline) {
  return pool_.TransactValue<ReconcileCursors>(
      [&](Tx& tx) -> absl::StatusOr<ReconcileCursors> {
        ReconcileCursors cursors;
        for (const auto& row : tx.exec_prepared("reconcile_cursors", std::string(portal_id))) {
          const absl::Time at = absl::FromUnixMicros(row["cursor_micros"].as<int64_t>());
          if (SideFromKey(row["side"].as<std::string>()) == Side::kCrm) {
            cursors.crm = at;
          } else {
            cursors.projects = at;
          }
        }
        return cursors;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::Status PgReconcileStore::AdvanceCursor(absl::string_view portal_id, Side side, absl::Time to,
                                             absl::Time now, absl::Time deadline) {
  return pool_.Transact(
      [&](Tx& tx) {
        tx.exec_prepared("advance_reconcile_cursor", std::string(portal_id),
                         std::string(SideKey(side)), absl::ToUnixMicros(to),
                         absl::ToUnixMicros(now));
        return absl::OkStatus();
      },
      pg::Isolation::kReadCommitted, deadline);
}

}  // namespace crmsync::sync

#include "libs/work_queue/pg_work_queue.h"

#include <pqxx/pqxx>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"

ABSL_FLAG(absl::Duration, queue_retention, absl::Hours(24 * 7),
          "How long finished (DONE or DEAD) work queue items are kept before deletion.");

namespace crmsync::work_queue {
namespace {

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

Claim ClaimFrom(const pqxx::row& row) {
  Claim claim;
  claim.item_id = row["item_id"].as<int64_t>();
  claim.key = row["item_key"].as<std::string>();
  claim.group = row["group_key"].as<std::string>();
  claim.payload = row["payload"].as<std::string>();
  claim.attempt = row["attempts"].as<int>();
  claim.fence = row["fence"].as<int64_t>();
  claim.lease_until = absl::FromUnixMicros(row["lease_until_us"].as<int64_t>());
  claim.created = absl::FromUnixMicros(row["created_us"].as<int64_t>());
  return claim;
}

absl::Status Lost(const std::string& queue, const Claim& claim) {
  return absl::FailedPreconditionError(
      absl::StrCat(queue, " item ", claim.key, " attempt ", claim.attempt, " lost its claim"));
}

absl::string_view StateFor(Resolution::Kind kind) {
  switch (kind) {
    case Resolution::Kind::kDone:
      return "DONE";
    case Resolution::Kind::kDead:
      return "DEAD";
    case Resolution::Kind::kRetry:
    case Resolution::Kind::kReleased:
      return "PENDING";
  }
  return "PENDING";
}

// The fenced write of `resolution`; false when the claim was lost.
bool WriteResolution(pqxx::transaction_base& tx, const Claim& claim, const Resolution& resolution,
                     absl::Time now) {
  const auto written = tx.exec_prepared("work_queue_complete", claim.item_id, claim.fence,
                                        std::string(StateFor(resolution.kind)), resolution.error,
                                        Micros(resolution.next_attempt), Micros(now),
                                        resolution.kind == Resolution::Kind::kReleased ? 1 : 0);
  return !written.empty();
}

}  // namespace

absl::StatusOr<bool> Enqueue(pqxx::transaction_base& tx, const NewItem& item, absl::Time now) {
  const auto inserted = tx.exec_prepared("work_queue_enqueue", item.queue, item.key, item.group,
                                         item.payload, Micros(item.due), Micros(now));
  return !inserted.empty();
}

PgWorkQueue::PgWorkQueue(pg::Pool& pool, std::string name, const Clock& clock, RetryPolicy policy,
                         Metrics& metrics, PgHooks hooks)
    : pool_(pool),
      name_(std::move(name)),
      clock_(clock),
      policy_(std::move(policy)),
      metrics_(metrics),
      hooks_(std::move(hooks)) {
  metrics_.AddQueue(name_);
}

absl::StatusOr<std::vector<Claim>> PgWorkQueue::ClaimDue(int limit, int group_limit,
                                                         absl::Duration lease) {
  const absl::Time now = clock_.Now();
  const bool grouped = group_limit > 1;
  return pool_.TransactValue<std::vector<Claim>>([&](pqxx::transaction_base& tx)
                                                     -> absl::StatusOr<std::vector<Claim>> {
    std::vector<Claim> claims;
    int units = 0;
    if (grouped) {
      for (const auto& row : tx.exec_prepared("work_queue_due_groups", name_, limit, Micros(now))) {
        const std::string group = row["group_key"].as<std::string>();
        // Another claimer holds the group: it takes the group's due items with the rest.
        if (!tx.exec_prepared1("work_queue_lock_group", name_, group)["locked"].as<bool>()) {
          continue;
        }
        const auto claimed = tx.exec_prepared("work_queue_claim_group", name_, group, group_limit,
                                              Micros(now), absl::ToInt64Microseconds(lease));
        for (const auto& claimed_row : claimed) claims.push_back(ClaimFrom(claimed_row));
        if (!claimed.empty()) ++units;
      }
    }
    if (units < limit) {
      for (const auto& row : tx.exec_prepared("work_queue_claim", name_, limit - units, Micros(now),
                                              absl::ToInt64Microseconds(lease), grouped)) {
        claims.push_back(ClaimFrom(row));
      }
    }
    if (hooks_.on_claim && !claims.empty()) RETURN_IF_ERROR(hooks_.on_claim(tx, claims, now));
    return claims;
  });
}

absl::Status PgWorkQueue::Extend(Claim& claim, absl::Duration bound) {
  const absl::Time now = clock_.Now();
  if (claim.lease_until - now >= bound) {
    // The lease holds for the whole bound: nobody else can claim the item before it ends.
    claim.started = now;
    return absl::OkStatus();
  }
  auto lease_until = pool_.TransactValue<std::optional<absl::Time>>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<std::optional<absl::Time>> {
        const auto extended =
            tx.exec_prepared("work_queue_extend", claim.item_id, claim.fence, Micros(now + bound));
        if (extended.empty()) return std::nullopt;
        return absl::FromUnixMicros(extended[0]["lease_until_us"].as<int64_t>());
      });
  if (!lease_until.ok()) return lease_until.status();
  if (!lease_until->has_value()) {
    metrics_.LeaseLost(name_);
    return Lost(name_, claim);
  }
  claim.lease_until = **lease_until;
  claim.started = now;
  return absl::OkStatus();
}

absl::StatusOr<Resolution> PgWorkQueue::Complete(const Claim& claim, const Outcome& outcome) {
  const absl::Time now = clock_.Now();
  Resolution resolution;
  {
    std::lock_guard lock(random_mutex_);
    resolution = Resolve(claim, outcome, policy_, now, random_);
  }
  auto completed =
      pool_.TransactValue<bool>([&](pqxx::transaction_base& tx) -> absl::StatusOr<bool> {
        if (!WriteResolution(tx, claim, resolution, now)) return false;
        if (hooks_.on_complete) RETURN_IF_ERROR(hooks_.on_complete(tx, claim, resolution, now));
        return true;
      });
  if (!completed.ok()) return completed.status();
  if (!*completed) {
    metrics_.LeaseLost(name_);
    return Lost(name_, claim);
  }
  metrics_.Completed(name_, resolution.kind,
                     claim.started == absl::Time() ? absl::ZeroDuration() : now - claim.started);
  return resolution;
}

absl::Status PgWorkQueue::Release(const std::vector<Claim>& claims) {
  if (claims.empty()) return absl::OkStatus();
  const absl::Time now = clock_.Now();
  const Resolution released{Resolution::Kind::kReleased, "released at stop", now};
  return pool_.Transact([&](pqxx::transaction_base& tx) {
    for (const Claim& claim : claims) {
      if (!WriteResolution(tx, claim, released, now)) continue;
      if (hooks_.on_complete) RETURN_IF_ERROR(hooks_.on_complete(tx, claim, released, now));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<QueueStats> ReadStats(pg::Pool& pool, const std::string& queue, absl::Time now) {
  return pool.TransactValue<QueueStats>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<QueueStats> {
        const auto row = tx.exec_prepared1("work_queue_stats", queue);
        QueueStats stats;
        stats.pending = row["pending"].as<int64_t>();
        stats.running = row["running"].as<int64_t>();
        stats.dead = row["dead"].as<int64_t>();
        if (!row["oldest_us"].is_null()) {
          stats.oldest_pending_age = std::max(
              absl::ZeroDuration(), now - absl::FromUnixMicros(row["oldest_us"].as<int64_t>()));
        }
        return stats;
      });
}

absl::StatusOr<int64_t> DeleteFinished(pg::Pool& pool, absl::Time before, int batch) {
  int64_t deleted = 0;
  while (true) {
    ASSIGN_OR_RETURN(const int64_t n, pool.TransactValue<int64_t>([&](pqxx::transaction_base& tx)
                                                                      -> absl::StatusOr<int64_t> {
      return static_cast<int64_t>(
          tx.exec_prepared("work_queue_delete_finished", Micros(before), batch).affected_rows());
    }));
    deleted += n;
    if (n < batch) return deleted;
  }
}

absl::StatusOr<absl::Duration> QueueRetentionFromFlags() {
  const absl::Duration retention = absl::GetFlag(FLAGS_queue_retention);
  if (retention <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--queue_retention: must be positive");
  }
  return retention;
}

void Maintain(pg::Pool& pool, const Clock& clock, Metrics& metrics, const UpkeepOptions& options,
              const absl::Notification& stop) {
  for (const std::string& queue : options.queues) metrics.AddQueue(queue);
  absl::Time next_retention = clock.Now();
  do {
    const absl::Time now = clock.Now();
    for (const std::string& queue : options.queues) {
      if (auto stats = ReadStats(pool, queue, now); stats.ok()) {
        metrics.SetStats(queue, *stats);
      } else {
        LogWarning("cannot read work queue stats",
                   {{"queue", queue}, {"error", stats.status().ToString()}});
      }
    }
    if (now >= next_retention) {
      next_retention = now + options.retention_interval;
      auto deleted = DeleteFinished(pool, now - options.retention);
      if (!deleted.ok()) {
        LogWarning("cannot delete finished work items", {{"error", deleted.status().ToString()}});
      } else if (*deleted > 0) {
        LogInfo("deleted finished work items", {{"count", *deleted}});
      }
    }
  } while (!stop.WaitForNotificationWithTimeout(options.metrics_interval));
}

}  // namespace crmsync::work_queue

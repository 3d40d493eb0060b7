#include "libs/work_queue/work_queue.h"

#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/metrics/metrics_endpoint.h"

namespace crmsync::work_queue {
namespace {

absl::string_view ResultName(Resolution::Kind kind) {
  switch (kind) {
    case Resolution::Kind::kDone:
      return "done";
    case Resolution::Kind::kRetry:
    case Resolution::Kind::kReleased:
      return "retry";
    case Resolution::Kind::kDead:
      return "dead";
  }
  return "unknown";
}

}  // namespace

Resolution Resolve(const Claim& claim, const Outcome& outcome, const RetryPolicy& policy,
                   absl::Time now, absl::BitGenRef random) {
  switch (outcome.kind) {
    case Outcome::Kind::kDone:
      return {Resolution::Kind::kDone, "", now};
    case Outcome::Kind::kRefused:
      return {Resolution::Kind::kDead, outcome.error, now};
    case Outcome::Kind::kInterrupted:
      return {Resolution::Kind::kReleased, outcome.error,
              now + outcome.retry_after.value_or(absl::ZeroDuration())};
    case Outcome::Kind::kRetry:
      break;
  }
  if (claim.attempt >= policy.max_attempts) {
    return {Resolution::Kind::kDead,
            absl::StrCat("gave up after ", claim.attempt, " attempts: ", outcome.error), now};
  }
  return {Resolution::Kind::kRetry, outcome.error,
          now + BackoffDelay(policy.backoff, claim.attempt, random, outcome.retry_after)};
}

Metrics::Metrics(prometheus::Registry& registry)
    : items(prometheus::BuildGauge()
                .Name("crmsync_work_queue_items")
                .Help("Work queue items by queue and state (pending, running, dead).")
                .Register(registry)),
      oldest_pending_age_seconds(
          prometheus::BuildGauge()
              .Name("crmsync_work_queue_oldest_pending_age_seconds")
              .Help("Age of the oldest item of the queue not finished yet (pending or running).")
              .Register(registry)),
      completions(prometheus::BuildCounter()
                      .Name("crmsync_work_queue_completions_total")
                      .Help("Items completed by result: done, retry, dead, or lease_lost (a "
                            "worker found its claim taken over and did nothing).")
                      .Register(registry)),
      item_seconds(prometheus::BuildHistogram()
                       .Name("crmsync_work_queue_item_seconds")
                       .Help("Time from the start of an item's side effect to its completion.")
                       .Register(registry)) {}

void Metrics::AddQueue(const std::string& queue) {
  for (const char* state : {"pending", "running", "dead"}) {
    items.Add({{"queue", queue}, {"state", state}});
  }
  oldest_pending_age_seconds.Add({{"queue", queue}});
  for (const char* result : {"done", "retry", "dead", "lease_lost"}) {
    completions.Add({{"queue", queue}, {"result", result}});
  }
  item_seconds.Add({{"queue", queue}}, metrics::LatencyBucketsSeconds());
}

void Metrics::SetStats(const std::string& queue, const QueueStats& stats) {
  items.Add({{"queue", queue}, {"state", "pending"}}).Set(static_cast<double>(stats.pending));
  items.Add({{"queue", queue}, {"state", "running"}}).Set(static_cast<double>(stats.running));
  items.Add({{"queue", queue}, {"state", "dead"}}).Set(static_cast<double>(stats.dead));
  oldest_pending_age_seconds.Add({{"queue", queue}})
      .Set(absl::ToDoubleSeconds(stats.oldest_pending_age));
}

void Metrics::Completed(const std::string& queue, Resolution::Kind kind, absl::Duration item_time) {
  completions.Add({{"queue", queue}, {"result", std::string(ResultName(kind))}}).Increment();
  item_seconds.Add({{"queue", queue}}, metrics::LatencyBucketsSeconds())
      .Observe(absl::ToDoubleSeconds(item_time));
}

void Metrics::LeaseLost(const std::string& queue) {
  completions.Add({{"queue", queue}, {"result", "lease_lost"}}).Increment();
}

Worker::Worker(Queue& queue, Handler handler, WorkerOptions options)
    : Worker(
          queue,
          [handler = std::move(handler)](const std::vector<Claim>& unit,
                                         const absl::Notification& stop) {
            return std::vector<Outcome>(unit.size(), handler(unit, stop));
          },
          std::move(options)) {}

absl::StatusOr<int> Worker::RunOnce(const absl::Notification& stop) {
  auto claims = queue_.ClaimDue(options_.batch, options_.group_limit, options_.lease);
  if (!claims.ok()) return claims.status();
  const int claimed = static_cast<int>(claims->size());
  size_t begin = 0;
  while (begin < claims->size()) {
    size_t end = begin + 1;
    const std::string& group = (*claims)[begin].group;
    if (options_.whole_batch) {
      end = claims->size();
    } else if (options_.group_limit > 1 && !group.empty()) {
      while (end < claims->size() && (*claims)[end].group == group) ++end;
    }
    if (stop.HasBeenNotified()) {
      std::vector<Claim> unstarted(claims->begin() + static_cast<ptrdiff_t>(begin), claims->end());
      if (absl::Status released = queue_.Release(unstarted); !released.ok()) {
        LogWarning("cannot release claims at stop",
                   {{"queue", queue_.name()}, {"error", released.ToString()}});
      }
      break;
    }
    Work(std::vector<Claim>(claims->begin() + static_cast<ptrdiff_t>(begin),
                            claims->begin() + static_cast<ptrdiff_t>(end)),
         stop);
    begin = end;
  }
  return claimed;
}

void Worker::Work(std::vector<Claim> unit, const absl::Notification& stop) {
  std::vector<Claim> owned;
  for (Claim& claim : unit) {
    // Never start a side effect the lease cannot cover: the lease is renewed for the whole
    // bound first, which also proves the item was not taken over.
    absl::Status extended = queue_.Extend(claim, options_.item_bound);
    if (extended.ok()) {
      owned.push_back(std::move(claim));
    } else if (!absl::IsFailedPrecondition(extended)) {
      LogWarning("cannot extend a lease; the item waits for its lease to end",
                 {{"queue", queue_.name()}, {"key", claim.key}, {"error", extended.ToString()}});
    }
  }
  if (owned.empty()) return;
  const std::vector<Outcome> outcomes = handler_(owned, stop);
  for (size_t i = 0; i < owned.size(); ++i) {
    const Claim& claim = owned[i];
    // A handler that answers for fewer items leaves the rest to be given back.
    const Outcome outcome = i < outcomes.size() ? outcomes[i] : Outcome::Interrupted();
    auto resolution = queue_.Complete(claim, outcome);
    if (!resolution.ok()) {
      // A lost claim leaves the item to its new owner; a database error leaves it RUNNING
      // until its lease ends, when another attempt runs it again.
      LogWarning("cannot record an item's outcome", {{"queue", queue_.name()},
                                                     {"key", claim.key},
                                                     {"error", resolution.status().ToString()}});
    }
  }
}

void Worker::Run(const absl::Notification& stop) {
  int failures = 0;
  while (!stop.HasBeenNotified()) {
    auto claimed = RunOnce(stop);
    if (!claimed.ok()) {
      ++failures;
      LogWarning("cannot claim work",
                 {{"queue", queue_.name()}, {"error", claimed.status().ToString()}});
      stop.WaitForNotificationWithTimeout(BackoffDelay(options_.error_backoff, failures, random_));
      continue;
    }
    failures = 0;
    if (*claimed == 0) stop.WaitForNotificationWithTimeout(options_.idle_poll);
  }
}

}  // namespace crmsync::work_queue

#include "services/sync/failure_relay.h"

#include "libs/common/log.h"

namespace crmsync::sync {
namespace {

// notify will never take the request as it is.
bool NotifyRefused(const absl::Status& status) {
  return absl::IsInvalidArgument(status) || absl::IsFailedPrecondition(status) ||
         absl::IsOutOfRange(status) || absl::IsUnimplemented(status);
}

}  // namespace

FailureRelay::FailureRelay(SyncStore& store, UserDirectory& users, FailureNotifier& notifier,
                           prometheus::Registry& registry)
    : store_(store),
      users_(users),
      notifier_(notifier),
      relayed_(prometheus::BuildCounter()
                   .Name("crmsync_sync_failure_relay_total")
                   .Help("Recorded failures handed to notify, by result.")
                   .Register(registry)) {
  for (const char* result : {"delivered", "no_email", "refused", "retried"}) {
    relayed_.Add({{"result", result}});
  }
}

void FailureRelay::Count(const char* result) { relayed_.Add({{"result", result}}).Increment(); }

absl::StatusOr<Recipient> FailureRelay::RecipientOf(const FailureRecord& failure) {
  Recipient recipient{failure.actor.email, failure.actor.display_name};
  if (!recipient.email.empty() || failure.actor.user_id.empty()) return recipient;
  // No caller waits on the relay: the read is bounded by the directory's own call timeout.
  absl::StatusOr<std::optional<Owner>> user = users_.OwnerById(
      failure.portal_id, failure.origin_side, failure.actor.user_id, absl::InfiniteFuture());
  if (!user.ok()) return user.status();
  if (*user) {
    recipient.email = (*user)->email;
    if (recipient.display_name.empty()) recipient.display_name = (*user)->display_name;
  }
  return recipient;
}

work_queue::Outcome FailureRelay::Deliver(const std::vector<work_queue::Claim>& unit,
                                          const absl::Notification& stop) {
  const work_queue::Claim& claim = unit.front();
  absl::StatusOr<FailureRecord> failure = store_.GetFailure(claim.payload);
  if (absl::IsNotFound(failure.status())) {
    Count("refused");
    return work_queue::Outcome::Refused(failure.status().ToString());
  }
  if (!failure.ok()) return work_queue::Outcome::Retry(failure.status().ToString());
  nlohmann::json fields = {{"failure_id", failure->failure_id},
                           {"portal_id", failure->portal_id},
                           {"attempt", claim.attempt}};
  absl::StatusOr<Recipient> recipient = RecipientOf(*failure);
  if (!recipient.ok()) {
    Count("retried");
    return work_queue::Outcome::Retry(recipient.status().ToString());
  }
  if (recipient->email.empty()) {
    Count("no_email");
    LogWarning("a failure's actor has no known email; it is recorded but not emailed", fields);
    return work_queue::Outcome::Refused("the actor has no known email");
  }
  const absl::Status status = notifier_.Notify(*failure, *recipient, stop);
  if (status.ok()) {
    Count("delivered");
    LogInfo("failure relayed to notify", fields);
    return work_queue::Outcome::Done();
  }
  if (stop.HasBeenNotified() && absl::IsCancelled(status)) {
    return work_queue::Outcome::Interrupted();
  }
  fields["error"] = status.ToString();
  if (NotifyRefused(status)) {
    Count("refused");
    LogWarning("notify refused a failure; it will not be retried", fields);
    return work_queue::Outcome::Refused(status.ToString());
  }
  Count("retried");
  LogWarning("failure relay failed; it will be retried", fields);
  return work_queue::Outcome::Retry(status.ToString());
}

}  // namespace crmsync::sync

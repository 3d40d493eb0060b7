#include "services/notify/sender.h"

#include "libs/common/log.h"

namespace crmsync::notify {

absl::StatusOr<int> MailSender::SendDue() {
  auto claims = store_.ClaimDue(options_.batch_size, options_.lease, clock_.Now());
  if (!claims.ok()) return claims.status();
  for (const Claim& claim : *claims) SendOne(claim);
  return static_cast<int>(claims->size());
}

void MailSender::SendOne(const Claim& claim) {
  const Notification& n = claim.notification;
  const absl::Time start = clock_.Now();
  const Email email = BuildEmail(n, templates_.For(n.kind), options_.from, start);
  const SendOutcome outcome = transport_->Send(email);
  const absl::Time now = clock_.Now();
  const absl::Duration latency = now - start;
  absl::Status recorded;
  nlohmann::json fields = {{"notification_id", n.notification_id},
                           {"kind", KindName(n.kind)},
                           {"attempt", claim.attempt}};
  if (outcome.result == SendOutcome::Result::kSent) {
    metrics_.Attempt(AttemptResult::kSent, latency);
    recorded = store_.MarkSent(claim, now);
    LogInfo("email sent", fields);
  } else if (outcome.result == SendOutcome::Result::kPermanent ||
             claim.attempt >= options_.max_attempts) {
    metrics_.Attempt(AttemptResult::kDead, latency);
    const std::string reason =
        outcome.result == SendOutcome::Result::kPermanent
            ? outcome.error
            : absl::StrCat("gave up after ", claim.attempt, " attempts: ", outcome.error);
    recorded = store_.MarkDead(claim, reason, now);
    fields["error"] = reason;
    LogWarning("email dead", fields);
  } else {
    metrics_.Attempt(AttemptResult::kRetry, latency);
    const absl::Time next = now + BackoffDelay(options_.backoff, claim.attempt, random_);
    recorded = store_.MarkRetry(claim, outcome.error, next, now);
    fields["error"] = outcome.error;
    LogWarning("email send failed; will retry", fields);
  }
  if (!recorded.ok()) {
    // The lease expired or the database failed: the row stays claimed until its lease ends, then
    // another attempt sends it again with the same Message-ID.
    LogWarning("could not record send outcome",
               {{"notification_id", n.notification_id}, {"error", recorded.ToString()}});
  }
}

void MailSender::Run(const absl::Notification& stop) {
  int failures = 0;
  while (!stop.HasBeenNotified()) {
    auto sent = SendDue();
    if (!sent.ok()) {
      ++failures;
      LogWarning("cannot claim notifications", {{"error", sent.status().ToString()}});
      stop.WaitForNotificationWithTimeout(BackoffDelay(
          BackoffPolicy{absl::Milliseconds(200), absl::Seconds(10), 2.0}, failures, random_));
      continue;
    }
    failures = 0;
    if (*sent == 0) stop.WaitForNotificationWithTimeout(options_.idle_poll);
  }
}

}  // namespace crmsync::notify

#include "services/notify/sender.h"

#include "absl/strings/str_cat.h"
#include "libs/common/log.h"

namespace crmsync::notify {

work_queue::RetryPolicy EmailRetryPolicy(const SenderOptions& options) {
  return {options.max_attempts, options.backoff};
}

MailSender::MailSender(NotifyStore& store, work_queue::Queue& queue, const Templates& templates,
                       std::unique_ptr<MailTransport> transport, const Clock& clock,
                       NotifyMetrics& metrics, const SenderOptions& options)
    : store_(store),
      templates_(templates),
      transport_(std::move(transport)),
      clock_(clock),
      metrics_(metrics),
      options_(options),
      worker_(queue,
              [this](const std::vector<work_queue::Claim>& claims, const absl::Notification& stop) {
                return Send(claims, stop);
              },
              {.batch = options.batch_size,
               .group_limit = options.digest_max,
               .lease = options.lease,
               .item_bound = options.send_bound,
               .idle_poll = options.idle_poll}) {}

absl::StatusOr<int> MailSender::SendDue() {
  const absl::Notification never;
  return worker_.RunOnce(never);
}

work_queue::Outcome MailSender::Send(const std::vector<work_queue::Claim>& claims,
                                     const absl::Notification& stop) {
  const absl::Time start = clock_.Now();
  std::vector<Notification> notifications;
  for (const auto& claim : claims) {
    auto notification = store_.GetById(claim.payload, absl::InfiniteFuture());
    if (!notification.ok()) {
      return work_queue::Outcome::Retry(
          absl::StrCat("cannot read notification: ", notification.status().ToString()));
    }
    notifications.push_back(*std::move(notification));
  }
  Email email;
  if (notifications.size() == 1) {
    const Notification& n = notifications.front();
    email = BuildEmail(n, templates_.For(n.kind), options_.from, start);
  } else {
    std::vector<const Notification*> members;
    for (const Notification& n : notifications) members.push_back(&n);
    email = BuildDigestEmail(members, templates_, options_.from, start);
  }
  const SendOutcome outcome = transport_->Send(email, stop);
  const int attempt = claims.front().attempt;
  nlohmann::json fields = {{"notification_id", notifications.front().notification_id},
                           {"emails", notifications.size()},
                           {"attempt", attempt}};
  switch (outcome.result) {
    case SendOutcome::Result::kSent:
      metrics_.Attempt(AttemptResult::kSent, clock_.Now() - start);
      LogInfo("email sent", fields);
      return work_queue::Outcome::Done();
    case SendOutcome::Result::kPermanent:
      metrics_.Attempt(AttemptResult::kDead, clock_.Now() - start);
      fields["error"] = outcome.error;
      LogWarning("email refused for good", fields);
      return work_queue::Outcome::Refused(outcome.error);
    case SendOutcome::Result::kTransient:
      metrics_.Attempt(
          attempt >= options_.max_attempts ? AttemptResult::kDead : AttemptResult::kRetry,
          clock_.Now() - start);
      fields["error"] = outcome.error;
      LogWarning("email send failed", fields);
      return work_queue::Outcome::Retry(outcome.error);
    case SendOutcome::Result::kInterrupted:
      LogInfo("email send abandoned at stop; it is given back to the queue", fields);
      return work_queue::Outcome::Interrupted();
  }
  return work_queue::Outcome::Retry("unknown send outcome");
}

}  // namespace crmsync::notify

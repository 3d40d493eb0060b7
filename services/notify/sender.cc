#include "services/notify/sender.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"

namespace crmsync::notify {

absl::StatusOr<int> MailSender::SendDue() {
  auto claims = store_.ClaimDue(options_.batch_size, options_.lease, clock_.Now());
  if (!claims.ok()) return claims.status();
  if (options_.digest_max <= 1) {
    for (const Claim& claim : *claims) Send({claim});
    return static_cast<int>(claims->size());
  }
  // One group per portal and recipient, in claim order, each topped up with the recipient's other
  // pending notifications and sent in digests of at most digest_max.
  std::vector<std::vector<Claim>> groups;
  std::map<std::pair<std::string, std::string>, size_t> group_of;
  for (const Claim& claim : *claims) {
    const auto key = std::make_pair(claim.notification.portal_id,
                                    absl::AsciiStrToLower(claim.notification.recipient.email));
    auto [it, added] = group_of.emplace(key, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(claim);
  }
  int claimed = static_cast<int>(claims->size());
  for (auto& group : groups) {
    const int room = options_.digest_max - static_cast<int>(group.size());
    if (room > 0) {
      auto more =
          store_.ClaimPendingForRecipient(group.front(), room, options_.lease, clock_.Now());
      if (more.ok()) {
        claimed += static_cast<int>(more->size());
        group.insert(group.end(), more->begin(), more->end());
      } else {
        LogWarning("cannot gather a digest", {{"error", more.status().ToString()}});
      }
    }
    for (size_t i = 0; i < group.size(); i += options_.digest_max) {
      const size_t end = std::min(group.size(), i + options_.digest_max);
      Send(std::vector<Claim>(group.begin() + i, group.begin() + end));
    }
  }
  return claimed;
}

void MailSender::Send(const std::vector<Claim>& claims) {
  const absl::Time start = clock_.Now();
  Email email;
  if (claims.size() == 1) {
    const Notification& n = claims.front().notification;
    email = BuildEmail(n, templates_.For(n.kind), options_.from, start);
  } else {
    std::vector<const Notification*> notifications;
    for (const Claim& claim : claims) notifications.push_back(&claim.notification);
    email = BuildDigestEmail(notifications, templates_, options_.from, start);
  }
  const SendOutcome outcome = transport_->Send(email);
  const absl::Time now = clock_.Now();
  const bool dead = outcome.result == SendOutcome::Result::kPermanent ||
                    (outcome.result == SendOutcome::Result::kTransient &&
                     claims.front().attempt >= options_.max_attempts);
  metrics_.Attempt(outcome.result == SendOutcome::Result::kSent ? AttemptResult::kSent
                   : dead                                       ? AttemptResult::kDead
                                                                : AttemptResult::kRetry,
                   now - start);
  for (const Claim& claim : claims) Record(claim, outcome, now);
}

void MailSender::Record(const Claim& claim, const SendOutcome& outcome, absl::Time now) {
  const Notification& n = claim.notification;
  absl::Status recorded;
  nlohmann::json fields = {{"notification_id", n.notification_id},
                           {"kind", KindName(n.kind)},
                           {"attempt", claim.attempt}};
  if (outcome.result == SendOutcome::Result::kSent) {
    recorded = store_.MarkSent(claim, now);
    LogInfo("email sent", fields);
  } else if (outcome.result == SendOutcome::Result::kPermanent ||
             claim.attempt >= options_.max_attempts) {
    const std::string reason =
        outcome.result == SendOutcome::Result::kPermanent
            ? outcome.error
            : absl::StrCat("gave up after ", claim.attempt, " attempts: ", outcome.error);
    recorded = store_.MarkDead(claim, reason, now);
    fields["error"] = reason;
    LogWarning("email dead", fields);
  } else {
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

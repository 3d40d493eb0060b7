// Delivery: a sender claims due notifications from the queue under a lease, builds each email
// and sends it, then records SENT, a retry with backoff (transient errors) or DEAD (a permanent
// refusal, or the attempt budget spent). Several senders, in one process or many, share the
// queue; the lease hands an email whose sender died to another one.
#ifndef CRMSYNC_SERVICES_NOTIFY_SENDER_H_
#define CRMSYNC_SERVICES_NOTIFY_SENDER_H_

#include <memory>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "libs/common/backoff.h"
#include "libs/common/clock.h"
#include "services/notify/email.h"
#include "services/notify/metrics.h"
#include "services/notify/store.h"
#include "services/notify/transport.h"

namespace crmsync::notify {

struct SenderOptions {
  int batch_size = 8;                         // notifications claimed at once
  absl::Duration lease = absl::Seconds(120);  // longer than batch_size sends can take
  absl::Duration idle_poll = absl::Milliseconds(200);
  int max_attempts = 10;  // the attempt that reaches it and fails makes the notification DEAD
  BackoffPolicy backoff{absl::Seconds(2), absl::Minutes(10), 2.0};
  // Above 1: a recipient's pending notifications go out together, up to this many in one digest
  // email (see BuildDigestEmail).
  int digest_max = 1;
  Sender from;
};

class MailSender {
 public:
  // Everything but the transport must outlive the sender.
  MailSender(NotifyStore& store, const Templates& templates,
             std::unique_ptr<MailTransport> transport, const Clock& clock, NotifyMetrics& metrics,
             SenderOptions options)
      : store_(store),
        templates_(templates),
        transport_(std::move(transport)),
        clock_(clock),
        metrics_(metrics),
        options_(std::move(options)) {}

  // Claims one batch and sends it; returns how many notifications it claimed.
  absl::StatusOr<int> SendDue();

  // SendDue until `stop` is notified, polling every idle_poll while the queue is empty and backing
  // off while the store fails.
  void Run(const absl::Notification& stop);

 private:
  // Sends one email for `claims` (one notification, or a digest) and records the outcome on each.
  void Send(const std::vector<Claim>& claims);
  void Record(const Claim& claim, const SendOutcome& outcome, absl::Time now);

  NotifyStore& store_;
  const Templates& templates_;
  std::unique_ptr<MailTransport> transport_;
  const Clock& clock_;
  NotifyMetrics& metrics_;
  const SenderOptions options_;
  absl::BitGen random_;
};

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_SENDER_H_

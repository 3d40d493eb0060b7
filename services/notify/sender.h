// Delivery: senders work through the email queue (libs/work_queue, queue kEmailQueue). For each
// claimed notification, or each recipient's group of them when digests are on, a sender builds
// the email and sends it; the queue records SENT, a retry with backoff (transient errors) or
// DEAD (a permanent refusal, or the attempt budget spent). Several senders, in one process or
// many, share the queue: a sender renews its lease to cover a send before starting it, so a
// slow server never makes two senders send one email, and a sender that died has its email
// taken over once its lease ends.
#ifndef CRMSYNC_SERVICES_NOTIFY_SENDER_H_
#define CRMSYNC_SERVICES_NOTIFY_SENDER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "libs/common/backoff.h"
#include "libs/common/clock.h"
#include "libs/work_queue/work_queue.h"
#include "services/notify/email.h"
#include "services/notify/metrics.h"
#include "services/notify/store.h"
#include "services/notify/transport.h"

namespace crmsync::notify {

struct SenderOptions {
  int batch_size = 8;                         // emails claimed at once
  absl::Duration lease = absl::Seconds(120);  // a claim's lease before its first send
  // The longest one send can take (the SMTP timeout and some room): each send starts only
  // once the lease covers it.
  absl::Duration send_bound = absl::Seconds(40);
  absl::Duration idle_poll = absl::Milliseconds(200);
  int max_attempts = 10;  // the attempt that reaches it and fails makes the notification DEAD
  BackoffPolicy backoff{absl::Seconds(2), absl::Minutes(10), 2.0};
  // Above 1: a recipient's pending notifications go out together, up to this many in one digest
  // email (see BuildDigestEmail).
  int digest_max = 1;
  Sender from;
};

// The queue's retry policy for `options`.
work_queue::RetryPolicy EmailRetryPolicy(const SenderOptions& options);

class MailSender {
 public:
  // Everything but the transport must outlive the sender; `queue` is the kEmailQueue.
  MailSender(NotifyStore& store, work_queue::Queue& queue, const Templates& templates,
             std::unique_ptr<MailTransport> transport, const Clock& clock, NotifyMetrics& metrics,
             const SenderOptions& options);

  // Claims one batch and sends it; returns how many notifications it claimed.
  absl::StatusOr<int> SendDue();

  // Sends until `stop` is notified; a send in progress is then abandoned and its notification
  // given back to the queue, as are the claimed ones not sent yet.
  void Run(const absl::Notification& stop) { worker_.Run(stop); }

 private:
  // Sends one email for `claims` (one notification, or a digest).
  work_queue::Outcome Send(const std::vector<work_queue::Claim>& claims,
                           const absl::Notification& stop);

  NotifyStore& store_;
  const Templates& templates_;
  std::unique_ptr<MailTransport> transport_;
  const Clock& clock_;
  NotifyMetrics& metrics_;
  const SenderOptions options_;
  work_queue::Worker worker_;
};

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_SENDER_H_

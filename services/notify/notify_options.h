// The notify binary's own flags (beyond the runtime's shared ones), read into one struct.
#ifndef CRMSYNC_SERVICES_NOTIFY_NOTIFY_OPTIONS_H_
#define CRMSYNC_SERVICES_NOTIFY_NOTIFY_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/notify/sender.h"
#include "services/notify/transport.h"

namespace crmsync::notify {

struct NotifyOptions {
  std::string templates_dir;  // empty: the compiled-in templates only
  bool use_smtp = false;      // else the file transport into mail_dir
  std::string mail_dir;
  SmtpOptions smtp;
  int senders = 4;
  SenderOptions sender;
  absl::Duration queue_metrics_interval = absl::Seconds(5);
  // Zero: every notification is emailed on its own, at once.
  absl::Duration digest_window = absl::ZeroDuration();
};

// Reads and checks the flags; INVALID_ARGUMENT names the bad flag. --mail_transport defaults to
// smtp when --smtp_url is set and to file otherwise.
absl::StatusOr<NotifyOptions> NotifyOptionsFromFlags();

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_NOTIFY_OPTIONS_H_

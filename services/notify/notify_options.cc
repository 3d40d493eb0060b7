#include "services/notify/notify_options.h"

#include <filesystem>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "libs/common/flags.h"
#include "libs/common/status_macros.h"

ABSL_FLAG(std::string, templates_dir, "",
          "Folder of <kind>.tmpl files replacing the compiled-in email templates (each optional).");
ABSL_FLAG(std::string, mail_transport, "",
          "smtp or file; default smtp when --smtp_url is set, else file.");
ABSL_FLAG(std::string, mail_dir, "/tmp/crmsync-mail",
          "Folder the file transport writes one .eml per email to (created if missing).");
ABSL_FLAG(std::string, smtp_url, "",
          "smtp://host:port (plain or STARTTLS) or smtps://host:port (implicit TLS).");
ABSL_FLAG(bool, smtp_starttls, false, "Require STARTTLS on an smtp:// URL.");
ABSL_FLAG(std::string, smtp_username, "",
          "SMTP AUTH user; none when empty. Sent only over TLS (smtps:// or --smtp_starttls).");
ABSL_FLAG(std::string, smtp_password, "",
          "SMTP AUTH password; environment only (CRMSYNC_SMTP_PASSWORD).");
CRMSYNC_ENVIRONMENT_ONLY_FLAG(smtp_password);
ABSL_FLAG(bool, smtp_allow_plaintext_auth, false,
          "Allow SMTP AUTH over an smtp:// URL without STARTTLS, sending the password in clear "
          "text (local tests only).");
ABSL_FLAG(std::string, smtp_ca_file, "", "CA bundle for the SMTP server's certificate.");
ABSL_FLAG(absl::Duration, smtp_connect_timeout, absl::Seconds(10), "SMTP connect timeout.");
ABSL_FLAG(absl::Duration, smtp_timeout, absl::Seconds(30), "Bound on sending one email.");
ABSL_FLAG(std::string, mail_from, "crmsync@localhost", "Sender address of the emails.");
ABSL_FLAG(std::string, mail_from_name, "crmsync", "Sender display name of the emails.");
ABSL_FLAG(int, senders, 4, "Sender threads sharing the queue.");
ABSL_FLAG(int, send_batch, 8, "Notifications a sender claims at once.");
ABSL_FLAG(absl::Duration, send_lease, absl::Seconds(120),
          "How long a claim lasts before another sender may take the notification over.");
ABSL_FLAG(absl::Duration, send_idle_poll, absl::Milliseconds(200),
          "How often an idle sender looks for due notifications.");
ABSL_FLAG(int, max_send_attempts, 10, "Attempts before a notification is given up as DEAD.");
ABSL_FLAG(absl::Duration, retry_initial_backoff, absl::Seconds(2),
          "Backoff ceiling before the first retry (doubling, full jitter).");
ABSL_FLAG(absl::Duration, retry_max_backoff, absl::Minutes(10), "Largest backoff between retries.");
ABSL_FLAG(absl::Duration, digest_window, absl::ZeroDuration(),
          "When positive, each email waits this long so that later failures for the same "
          "recipient join it in one digest; 0 sends each at once.");
ABSL_FLAG(int, digest_max, 20, "Most notifications in one digest email.");
ABSL_FLAG(absl::Duration, queue_metrics_interval, absl::Seconds(5),
          "How often the queue metrics are read from the database.");

namespace crmsync::notify {
namespace {

absl::Status Positive(absl::string_view flag, absl::Duration value) {
  if (value <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": must be positive"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NotifyOptions> NotifyOptionsFromFlags() {
  NotifyOptions o;
  o.templates_dir = absl::GetFlag(FLAGS_templates_dir);
  if (!o.templates_dir.empty() && !std::filesystem::is_directory(o.templates_dir)) {
    return absl::InvalidArgumentError("--templates_dir: not a directory");
  }
  o.smtp.url = absl::GetFlag(FLAGS_smtp_url);
  const std::string transport = absl::GetFlag(FLAGS_mail_transport);
  if (transport == "smtp" || (transport.empty() && !o.smtp.url.empty())) {
    o.use_smtp = true;
  } else if (transport != "file" && !transport.empty()) {
    return absl::InvalidArgumentError("--mail_transport: must be smtp or file");
  }
  o.mail_dir = absl::GetFlag(FLAGS_mail_dir);
  o.smtp.starttls = absl::GetFlag(FLAGS_smtp_starttls);
  o.smtp.username = absl::GetFlag(FLAGS_smtp_username);
  o.smtp.password = absl::GetFlag(FLAGS_smtp_password);
  o.smtp.allow_plaintext_auth = absl::GetFlag(FLAGS_smtp_allow_plaintext_auth);
  o.smtp.ca_file = absl::GetFlag(FLAGS_smtp_ca_file);
  o.smtp.connect_timeout = absl::GetFlag(FLAGS_smtp_connect_timeout);
  o.smtp.timeout = absl::GetFlag(FLAGS_smtp_timeout);
  if (o.use_smtp) {
    RETURN_IF_ERROR(ValidateSmtpOptions(o.smtp));
  } else {
    if (o.mail_dir.empty()) return absl::InvalidArgumentError("--mail_dir: required");
    std::error_code error;
    std::filesystem::create_directories(o.mail_dir, error);
    if (error) {
      return absl::InvalidArgumentError(absl::StrCat("--mail_dir: ", error.message()));
    }
  }
  RETURN_IF_ERROR(Positive("smtp_connect_timeout", o.smtp.connect_timeout));
  RETURN_IF_ERROR(Positive("smtp_timeout", o.smtp.timeout));
  RETURN_IF_ERROR(ValidateEmailAddress(absl::GetFlag(FLAGS_mail_from), "--mail_from"));
  RETURN_IF_ERROR(ValidateDisplayName(absl::GetFlag(FLAGS_mail_from_name), "--mail_from_name"));
  o.sender.from = {absl::GetFlag(FLAGS_mail_from), absl::GetFlag(FLAGS_mail_from_name)};
  o.senders = absl::GetFlag(FLAGS_senders);
  if (o.senders < 1 || o.senders > 64) {
    return absl::InvalidArgumentError("--senders: must be 1..64");
  }
  o.sender.batch_size = absl::GetFlag(FLAGS_send_batch);
  if (o.sender.batch_size < 1 || o.sender.batch_size > 100) {
    return absl::InvalidArgumentError("--send_batch: must be 1..100");
  }
  o.sender.lease = absl::GetFlag(FLAGS_send_lease);
  RETURN_IF_ERROR(Positive("send_lease", o.sender.lease));
  o.sender.idle_poll = absl::GetFlag(FLAGS_send_idle_poll);
  RETURN_IF_ERROR(Positive("send_idle_poll", o.sender.idle_poll));
  o.sender.max_attempts = absl::GetFlag(FLAGS_max_send_attempts);
  if (o.sender.max_attempts < 1) {
    return absl::InvalidArgumentError("--max_send_attempts: must be at least 1");
  }
  o.sender.backoff.initial = absl::GetFlag(FLAGS_retry_initial_backoff);
  o.sender.backoff.cap = absl::GetFlag(FLAGS_retry_max_backoff);
  RETURN_IF_ERROR(Positive("retry_initial_backoff", o.sender.backoff.initial));
  RETURN_IF_ERROR(Positive("retry_max_backoff", o.sender.backoff.cap));
  o.digest_window = absl::GetFlag(FLAGS_digest_window);
  if (o.digest_window < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--digest_window: must not be negative");
  }
  const int digest_max = absl::GetFlag(FLAGS_digest_max);
  if (digest_max < 2 || digest_max > 100) {
    return absl::InvalidArgumentError("--digest_max: must be 2..100");
  }
  o.sender.digest_max = o.digest_window > absl::ZeroDuration() ? digest_max : 1;
  o.queue_metrics_interval = absl::GetFlag(FLAGS_queue_metrics_interval);
  RETURN_IF_ERROR(Positive("queue_metrics_interval", o.queue_metrics_interval));
  return o;
}

}  // namespace crmsync::notify

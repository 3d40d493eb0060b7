// How an email leaves crmsync: over SMTP (libcurl) or, for local runs, as a file per email.
// One transport object serves one sender thread at a time; SMTP keeps its connection open between
// emails.
#ifndef CRMSYNC_SERVICES_NOTIFY_TRANSPORT_H_
#define CRMSYNC_SERVICES_NOTIFY_TRANSPORT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/notify/email.h"

namespace crmsync::notify {

struct SendOutcome {
  enum class Result {
    kSent,       // the server accepted the message
    kTransient,  // worth retrying: no connection, timeout, a 4xx reply
    kPermanent,  // never worth retrying: a 5xx reply
    // Abandoned because the process stops (`abort` was notified) before the server accepted
    // the message: not an attempt.
    kInterrupted,
  };
  Result result = Result::kSent;
  std::string error;  // e.g. "451 4.3.0 try again later"; empty when sent; never a secret
};

class MailTransport {
 public:
  virtual ~MailTransport() = default;
  // Sends `email`, giving up (kInterrupted) within about a second of `abort` being notified.
  virtual SendOutcome Send(const Email& email, const absl::Notification& abort) = 0;
};

// Makes one transport per sender thread.
using TransportFactory = std::function<std::unique_ptr<MailTransport>()>;

struct SmtpOptions {
  // smtp://host:port (plain, or STARTTLS with `starttls`) or smtps://host:port (implicit TLS).
  std::string url;
  bool starttls = false;
  // AUTH credentials; none when username is empty. The password is never logged. Credentials
  // are only ever sent over TLS unless `allow_plaintext_auth` (local tests).
  std::string username;
  std::string password;
  bool allow_plaintext_auth = false;
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration timeout = absl::Seconds(30);  // one whole message
  std::string ca_file;                         // empty: the system's CA store
};

// INVALID_ARGUMENT naming the flag for an unusable URL, or for credentials that would cross the
// network in clear text (an smtp:// URL without STARTTLS, unless plaintext AUTH is allowed).
absl::Status ValidateSmtpOptions(const SmtpOptions& options);

std::unique_ptr<MailTransport> MakeSmtpTransport(const SmtpOptions& options);

// Writes each email to <dir>/<message-id digest>.eml (atomically, by rename), so a resend of the
// same notification replaces its file. `dir` must exist.
std::unique_ptr<MailTransport> MakeFileTransport(std::string dir);

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_TRANSPORT_H_

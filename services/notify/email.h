// Emails of notifications: per-kind templates (files a deployment may override, defaults compiled
// in) and the RFC 5322 / MIME message built from a notification. Pure: no I/O but LoadTemplates.
//
// A template file is named <kind>.tmpl (KindName, e.g. due_date_beyond_strict_schedule.tmpl):
//   Subject: <one line>
//   == text ==
//   <plain-text body>
//   == html ==
//   <HTML body>
// and uses placeholders {{name}}: recipient_name, task_title, task_id, project_name, project_id,
// field, attempted_value, kept_value, reason, side, other_side, occur_time, project_start_date,
// project_end_date, parent_task_title. A line starting with {{?name}} is kept only when name's
// value is not empty, one starting with {{!name}} only when it is empty. Values are HTML-escaped
// in the HTML part and reduced to one line everywhere, so a title carrying CR/LF cannot add a
// header or break the layout.
#ifndef CRMSYNC_SERVICES_NOTIFY_EMAIL_H_
#define CRMSYNC_SERVICES_NOTIFY_EMAIL_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/notify/notification.h"

namespace crmsync::notify {

struct Template {
  std::string subject;
  std::string text;
  std::string html;
};

class Templates {
 public:
  // Parses one template file's content; INVALID_ARGUMENT names `name` and the problem (missing
  // section, unknown placeholder).
  static absl::StatusOr<Template> Parse(absl::string_view name, absl::string_view content);

  // The compiled-in templates.
  static absl::StatusOr<Templates> Defaults();

  // The compiled-in templates, each replaced by <dir>/<kind>.tmpl where that file exists.
  // INVALID_ARGUMENT for a file that does not parse; `dir` empty means the defaults alone.
  static absl::StatusOr<Templates> Load(absl::string_view dir);

  const Template& For(Kind kind) const { return by_kind_.at(kind); }

 private:
  std::map<Kind, Template> by_kind_;
};

// The rendered subject line (UTF-8, one line) of `notification`.
std::string RenderSubject(const Template& tmpl, const Recipient& recipient,
                          const FailureParameters& parameters);

// Who the emails come from.
struct Sender {
  std::string address = "crmsync@localhost";
  std::string display_name = "crmsync";
};

// An email ready for SMTP: the envelope and the message (CRLF line ends, ASCII only).
struct Email {
  std::string envelope_from;
  std::string envelope_to;
  std::string data;
};

// Builds the multipart/alternative email (text and HTML parts, base64, UTF-8) of `notification`
// with its stable Message-ID, dated `date`.
Email BuildEmail(const Notification& notification, const Template& tmpl, const Sender& sender,
                 absl::Time date);

// One email for several notifications of one recipient (a digest): each rendered by its kind's
// template, in the given order, under the subject "<n> of your changes were not applied".
// `notifications` is not empty and all have the first one's recipient.
Email BuildDigestEmail(const std::vector<const Notification*>& notifications,
                       const Templates& templates, const Sender& sender, absl::Time date);

// The digest's Message-ID: derived from the set of its failure ids, so that a resend of the same
// digest after a crash carries the same one.
std::string DigestMessageId(const std::vector<const Notification*>& notifications);

// RFC 2047: `text` as it may stand in a header: itself when printable ASCII with no word longer
// than 77 characters and nothing that looks like an encoded word, else UTF-8 base64 encoded-words
// of at most 75 characters each, separated by spaces (where HeaderField folds). Line breaks and
// control characters become spaces first.
std::string EncodeHeaderText(absl::string_view text);

// RFC 5322 §2.2.3: the header field "<name>: <value>" with its CRLF, folded before spaces so that
// each line keeps within 78 characters; a line is longer only when a word of `value` is, and
// values built by EncodeHeaderText and this file's mailboxes have none over 77 characters, so
// never near the 998 limit. `value` is printable ASCII on one line.
std::string HeaderField(absl::string_view name, absl::string_view value);

// `text` on one line: each run of CR, LF, tabs and other control characters becomes one space.
std::string OneLine(absl::string_view text);

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_EMAIL_H_

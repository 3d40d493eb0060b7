// The notify service's domain: a failure notification, its validation, its Message-ID and the
// keyset paging of lists. Plain structs, no I/O, no clock.
#ifndef CRMSYNC_SERVICES_NOTIFY_NOTIFICATION_H_
#define CRMSYNC_SERVICES_NOTIFY_NOTIFICATION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/common/side.h"

namespace crmsync::notify {

using ::crmsync::Side;  // libs/common/side.h, with SideDisplayName

// What a notification is about; selects its template. Values match crmsync.notify.v1.
enum class Kind {
  kDueDateBeyondStrictSchedule = 1,
  kSubtaskParentClosed = 2,
  kChangeRefusedByOtherSide = 3,
  kDeliveryRetriesExhausted = 4,
  kOAuthGrantBroken = 5,
};
inline constexpr Kind kAllKinds[] = {Kind::kDueDateBeyondStrictSchedule, Kind::kSubtaskParentClosed,
                                     Kind::kChangeRefusedByOtherSide,
                                     Kind::kDeliveryRetriesExhausted, Kind::kOAuthGrantBroken};

// Values match crmsync.notify.v1.NotificationState.
enum class State { kPending = 1, kSending = 2, kSent = 3, kDead = 4 };

// The stable lower-case name of a kind ("due_date_beyond_strict_schedule"): its template's file
// name, its database value and its metric label.
absl::string_view KindName(Kind kind);
std::optional<Kind> KindFromName(absl::string_view name);
// "PENDING", "SENDING", "SENT", "DEAD".
absl::string_view StateName(State state);
std::optional<State> StateFromName(absl::string_view name);

struct Recipient {
  std::string email;
  std::string display_name;
};

// What the email says; display strings, empty when the kind does not use them.
struct FailureParameters {
  Side side = Side::kUnspecified;
  std::string task_id;
  std::string task_title;
  std::string project_id;
  std::string project_name;
  std::string field;
  std::string attempted_value;
  std::string kept_value;
  std::string reason;
  absl::Time occur_time;
  std::optional<absl::CivilDay> project_start_date;
  std::optional<absl::CivilDay> project_end_date;
  std::string parent_task_title;
};

// A validated NotifyFailure request.
struct NewNotification {
  std::string failure_id;
  std::string portal_id;
  Recipient recipient;
  Kind kind = Kind::kChangeRefusedByOtherSide;
  FailureParameters parameters;
};

struct Notification {
  std::string notification_id;
  std::string failure_id;
  std::string portal_id;
  Recipient recipient;
  Kind kind = Kind::kChangeRefusedByOtherSide;
  FailureParameters parameters;
  std::string subject;
  State state = State::kPending;
  int attempts = 0;
  std::string last_error;
  std::string message_id;
  absl::Time create_time;
  absl::Time update_time;
  std::optional<absl::Time> next_attempt_time;  // set only while PENDING
  std::optional<absl::Time> sent_time;          // set only once SENT
};

// The parameters as a JSON object, and back (for storage). Times in Unix microseconds, dates
// yyyy-mm-dd. ParametersFromJson: INTERNAL when `json` is not what ParametersToJson writes.
std::string ParametersToJson(const FailureParameters& parameters);
absl::StatusOr<FailureParameters> ParametersFromJson(absl::string_view json);

// The longest accepted value of each string field of a NotifyFailure request, in characters
// (Unicode code points), as crmsync.notify.v1 documents them. Bounds keep a row, an email and its
// header lines of a size every SMTP server takes.
inline constexpr size_t kMaxIdLength = 128;           // failure_id, portal_id, task_id, project_id
inline constexpr size_t kMaxDisplayNameLength = 200;  // recipient.display_name
inline constexpr size_t kMaxTitleLength = 500;        // task_title, project_name, parent_task_title
inline constexpr size_t kMaxFieldNameLength = 64;     // field
inline constexpr size_t kMaxValueLength = 2000;       // attempted_value, kept_value, reason

// OK when `value` is valid UTF-8 of at most `max_length` characters without NUL, and, when
// `single_line`, without any other control character either (line breaks in a multi-line text
// are flattened when rendered); INVALID_ARGUMENT "<field>: ..." otherwise.
absl::Status ValidateText(absl::string_view value, absl::string_view field, size_t max_length,
                          bool single_line);

// OK when `failure_id` is 1..128 characters on one line; INVALID_ARGUMENT "failure_id: ..."
// otherwise.
absl::Status ValidateFailureId(absl::string_view failure_id);

// OK when `email` is an RFC 5321 mailbox with a dot-atom local part and a domain name or address
// literal (ASCII only, at most 254 characters); INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateEmailAddress(absl::string_view email, absl::string_view field);

// OK when `name` has at most 200 characters and no line break or other control character;
// INVALID_ARGUMENT naming `field`.
absl::Status ValidateDisplayName(absl::string_view name, absl::string_view field);

// The RFC 5322 Message-ID for a failure id: "<32 hex digits of SHA-256(failure_id)>@crmsync>", the
// same on every attempt and every replica, so that a resend after a crash is recognised as the same
// email.
std::string MessageIdFor(absl::string_view failure_id);

// Filter and position of ListNotifications.
struct ListFilter {
  std::string portal_id;        // empty: any
  std::string recipient_email;  // lower case; empty: any
  std::optional<State> state;   // nullopt: any
};
// The sort key of the last notification of a page: lists go newest first.
struct PageKey {
  absl::Time create_time;
  int64_t notification_id = 0;
};

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// 0 → 50, above 500 → 500; negative → INVALID_ARGUMENT "page_size: ...".
absl::StatusOr<int> EffectivePageSize(int page_size);

// An opaque token for the page after `key` under `filter`: unpadded web-safe base64 of the key and
// a fingerprint of the filter.
std::string EncodePageToken(const PageKey& key, const ListFilter& filter);
// The key of `token`; INVALID_ARGUMENT "page_token: ..." when it does not decode or was issued for
// another filter.
absl::StatusOr<PageKey> DecodePageToken(absl::string_view token, const ListFilter& filter);

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_NOTIFICATION_H_

// crmsyncctl's bridge between command-line words and protobuf messages: `--field=value`
// arguments set a request's fields by name (nested ones as `--a.b=value`), and a response becomes
// an aligned table or JSON.
//
// Values by field type: strings as given; integers; booleans `true`/`false` (a bare `--flag` is
// true); enums by name, in full (SIDE_CRM) or without the enum's prefix, in any case (crm);
// google.protobuf.Timestamp as RFC 3339 (2025-06-30T12:00:00Z); crmsync.common.v1.Date as
// YYYY-MM-DD; other messages as JSON; repeated fields as comma-separated values (or the argument
// given again).
#ifndef CRMSYNC_TOOLS_CRMSYNCCTL_REQUEST_FIELDS_H_
#define CRMSYNC_TOOLS_CRMSYNCCTL_REQUEST_FIELDS_H_

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace crmsync::ctl {

// Sets field path `path` ("portal_id", "by_id.side") of `message` from `value`.
// INVALID_ARGUMENT naming `--path` when the message has no such field or the value does not fit.
absl::Status SetField(google::protobuf::Message& message, absl::string_view path,
                      absl::string_view value);

// `message` as aligned text: the rows of its first repeated message field as a table (one column
// per field set in any row, nested fields as a.b), else one "field  value" line per field set.
std::string AsTable(const google::protobuf::Message& message);

// `message` as JSON with the protos' field names.
std::string AsJson(const google::protobuf::Message& message);

}  // namespace crmsync::ctl

#endif  // CRMSYNC_TOOLS_CRMSYNCCTL_REQUEST_FIELDS_H_

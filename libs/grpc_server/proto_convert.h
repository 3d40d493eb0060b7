// Conversions between the protos' common types and the domain's, written once for every service:
// google.protobuf.Timestamp ⇄ absl::Time and crmsync.common.v1.Date ⇄ absl::CivilDay (an
// all-zero Date is "no date", common.proto's convention).
#ifndef CRMSYNC_LIBS_GRPC_SERVER_PROTO_CONVERT_H_
#define CRMSYNC_LIBS_GRPC_SERVER_PROTO_CONVERT_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "crmsync/common/v1/common.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace crmsync {

// Microsecond precision, as PostgreSQL keeps times.
google::protobuf::Timestamp ToProtoTimestamp(absl::Time time);
absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& timestamp);

// An unset day becomes the all-zero Date.
common::v1::Date ToProtoDate(const std::optional<absl::CivilDay>& day);

// The all-zero Date is nullopt; a date that is not on the calendar (2025-02-30, year 0) is
// INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::optional<absl::CivilDay>> FromProtoDate(const common::v1::Date& date,
                                                            absl::string_view field);

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_GRPC_SERVER_PROTO_CONVERT_H_

// The record ids every API takes (common.proto: portal, task, account, deal, user and event ids
// are 1 to 64 characters of [0-9A-Za-z_-]), checked one way everywhere.
#ifndef CRMSYNC_LIBS_COMMON_IDS_H_
#define CRMSYNC_LIBS_COMMON_IDS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace crmsync {

inline constexpr int kMaxRecordIdLength = 64;

// OK for a well-formed id; otherwise INVALID_ARGUMENT "<field>: required", "<field>: longer than
// 64 characters" or "<field>: only [0-9A-Za-z_-] allowed".
absl::Status CheckRecordId(absl::string_view field, absl::string_view value);

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_IDS_H_

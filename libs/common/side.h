// The two Zoho products a task lives in, as every service names them.
#ifndef CRMSYNC_LIBS_COMMON_SIDE_H_
#define CRMSYNC_LIBS_COMMON_SIDE_H_

#include "absl/strings/string_view.h"

namespace crmsync {

// Values match crmsync.common.v1.Side.
enum class Side { kUnspecified = 0, kCrm = 1, kProjects = 2 };

// "Zoho CRM", "Zoho Projects"; "" for kUnspecified. For messages and emails a person reads.
absl::string_view SideDisplayName(Side side);

// "crm", "projects"; "" for kUnspecified. The name in databases, payloads and metric labels.
absl::string_view SideKey(Side side);
// The side named `key` by SideKey; kUnspecified for any other string.
Side SideFromKey(absl::string_view key);

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_SIDE_H_

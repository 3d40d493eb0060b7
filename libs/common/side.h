// The two Zoho products a task lives in, as every service names them.
#ifndef CRMSYNC_LIBS_COMMON_SIDE_H_
#define CRMSYNC_LIBS_COMMON_SIDE_H_

#include "absl/strings/string_view.h"

namespace crmsync {

// Values match crmsync.common.v1.Side.
enum class Side { kUnspecified = 0, kCrm = 1, kProjects = 2 };

// "Zoho CRM", "Zoho Projects"; "" for kUnspecified. For messages and emails a person reads.
absl::string_view SideDisplayName(Side side);

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_SIDE_H_

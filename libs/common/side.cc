#include "libs/common/side.h"

namespace crmsync {

absl::string_view SideDisplayName(Side side) {
  switch (side) {
    case Side::kCrm:
      return "Zoho CRM";
    case Side::kProjects:
      return "Zoho Projects";
    case Side::kUnspecified:
      break;
  }
  return "";
}

}  // namespace crmsync

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

absl::string_view SideKey(Side side) {
  switch (side) {
    case Side::kCrm:
      return "crm";
    case Side::kProjects:
      return "projects";
    case Side::kUnspecified:
      break;
  }
  return "";
}

Side SideFromKey(absl::string_view key) {
  if (key == "crm") return Side::kCrm;
  if (key == "projects") return Side::kProjects;
  return Side::kUnspecified;
}

}  // namespace crmsync

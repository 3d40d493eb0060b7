#include "services/mapping/directory.h"

namespace crmsync::mapping {

absl::string_view PartName(DirectoryPart part) {
  switch (part) {
    case DirectoryPart::kClientAccounts:
      return "client_accounts";
    case DirectoryPart::kProjects:
      return "projects";
    case DirectoryPart::kProjectsUsers:
      return "projects_users";
    case DirectoryPart::kCrmAccounts:
      return "crm_accounts";
    case DirectoryPart::kDeals:
      return "deals";
    case DirectoryPart::kCrmUsers:
      return "crm_users";
  }
  return "unknown";
}

}  // namespace crmsync::mapping

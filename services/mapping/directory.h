// The directory the mapping service keeps per portal (a copy of Zoho's records, replaced part by
// part by ImportDirectory) and the links it owns between the two sides: account mappings, deal ⇄
// project associations and users linked by email. Plain structs, no I/O.
#ifndef CRMSYNC_SERVICES_MAPPING_DIRECTORY_H_
#define CRMSYNC_SERVICES_MAPPING_DIRECTORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace crmsync::mapping {

// The two Zoho products.
enum class Side { kCrm, kProjects };

// The parts of the directory; numbers as crmsync.mapping.v1.DirectoryPart.
enum class DirectoryPart {
  kClientAccounts = 1,
  kProjects = 2,
  kProjectsUsers = 3,
  kCrmAccounts = 4,
  kDeals = 5,
  kCrmUsers = 6,
};

// "client_accounts", "projects", "projects_users", "crm_accounts", "deals", "crm_users".
absl::string_view PartName(DirectoryPart part);

// A Projects client company or a CRM account.
struct Account {
  std::string id;
  std::string name;
  bool operator==(const Account&) const = default;
};

// A Projects project as imported.
struct ProjectRecord {
  std::string id;
  std::string name;
  std::string client_account_id;  // empty: no client company
  std::optional<absl::CivilDay> start_date;
  std::optional<absl::CivilDay> end_date;
  bool strict = false;
};

// A project with its client account and that account's mapping, for GetProject.
struct ProjectView {
  ProjectRecord project;
  std::optional<Account> client_account;
  std::optional<Account> mapped_crm_account;
  absl::Time update_time;
};

// A CRM deal as imported.
struct DealRecord {
  std::string id;
  std::string name;
  std::string crm_account_id;  // empty: none
};

// A deal with its account's name and its project association.
struct Deal {
  DealRecord deal;
  std::string crm_account_name;
  std::string project_id;                    // empty: not associated
  std::optional<absl::Time> associate_time;  // set with project_id
};

// A user as one side reports it.
struct SideUser {
  std::string id;
  std::string display_name;
  std::string email;  // as the side spells it; may be empty (then never linked)
  bool active = true;
};

// A person across both sides, linked by EmailKey(email).
struct User {
  std::string email_key;
  std::optional<SideUser> projects;
  std::optional<SideUser> crm;
  bool linked() const { return projects.has_value() && crm.has_value(); }
};

enum class MappingOrigin { kManual = 1, kAuto = 2 };

struct AccountMapping {
  Account client_account;
  Account crm_account;
  MappingOrigin origin = MappingOrigin::kManual;
  std::string created_by;
  absl::Time create_time;
};

// An unmapped pair with the same match key.
struct AccountCandidate {
  Account client_account;
  Account crm_account;
  std::string match_key;
};

// Added / changed / removed counts of one imported part.
struct ImportCount {
  DirectoryPart part;
  int fetched = 0;
  int created = 0;
  int updated = 0;
  int removed = 0;
};

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_DIRECTORY_H_

// AutoMapAccounts' decision, apart from storage: which unmapped client accounts and CRM accounts
// pair up by match key, and which keys are ambiguous. Nothing is guessed: a key shared by two or
// more records on either side is reported, never mapped.
#ifndef CRMSYNC_SERVICES_MAPPING_AUTO_MAP_H_
#define CRMSYNC_SERVICES_MAPPING_AUTO_MAP_H_

#include <string>
#include <vector>

#include "services/mapping/directory.h"

namespace crmsync::mapping {

struct AutoMapPair {
  std::string match_key;
  Account client_account;
  Account crm_account;
};

struct AmbiguousKey {
  std::string match_key;
  std::vector<Account> client_accounts;  // ordered by id
  std::vector<Account> crm_accounts;     // ordered by id
};

struct AutoMapPlan {
  std::vector<AutoMapPair> pairs;       // ordered by match key
  std::vector<AmbiguousKey> ambiguous;  // ordered by match key
  int unmatched = 0;                    // client accounts with no unmapped CRM account of their key
};

// Plans over the unmapped, not removed, records of one portal. A blank name (empty match key)
// matches nothing.
AutoMapPlan PlanAutoMap(const std::vector<Account>& unmapped_client_accounts,
                        const std::vector<Account>& unmapped_crm_accounts);

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_AUTO_MAP_H_

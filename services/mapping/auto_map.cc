#include "services/mapping/auto_map.h"

#include <algorithm>
#include <map>

#include "services/mapping/match_key.h"

namespace crmsync::mapping {
namespace {

struct Sides {
  std::vector<Account> clients;
  std::vector<Account> crm;
};

bool ById(const Account& a, const Account& b) { return a.id < b.id; }

}  // namespace

AutoMapPlan PlanAutoMap(const std::vector<Account>& unmapped_client_accounts,
                        const std::vector<Account>& unmapped_crm_accounts) {
  std::map<std::string, Sides> by_key;
  AutoMapPlan plan;
  for (const Account& a : unmapped_client_accounts) {
    std::string key = MatchKey(a.name);
    if (key.empty()) {
      ++plan.unmatched;
      continue;
    }
    by_key[std::move(key)].clients.push_back(a);
  }
  for (const Account& a : unmapped_crm_accounts) {
    std::string key = MatchKey(a.name);
    // A CRM account matters only where a client account shares its key.
    if (auto it = by_key.find(key); it != by_key.end()) it->second.crm.push_back(a);
  }
  for (auto& [key, sides] : by_key) {
    if (sides.crm.empty()) {
      plan.unmatched += static_cast<int>(sides.clients.size());
    } else if (sides.clients.size() == 1 && sides.crm.size() == 1) {
      plan.pairs.push_back({key, sides.clients[0], sides.crm[0]});
    } else {
      std::sort(sides.clients.begin(), sides.clients.end(), ById);
      std::sort(sides.crm.begin(), sides.crm.end(), ById);
      plan.ambiguous.push_back({key, std::move(sides.clients), std::move(sides.crm)});
    }
  }
  return plan;
}

}  // namespace crmsync::mapping

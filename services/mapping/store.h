// Where the mapping service keeps portals, the directory and the links. PgStore is the
// implementation. Every method is keyed by portal: one portal's records never reach another's
// answers. Unless a method says otherwise, NOT_FOUND (portal_id) when the portal is not configured.
// Every method gives up with DEADLINE_EXCEEDED once its `deadline` passes (absl::InfiniteFuture()
// for none): a gRPC caller's deadline bounds the statements run on its behalf.
#ifndef CRMSYNC_SERVICES_MAPPING_STORE_H_
#define CRMSYNC_SERVICES_MAPPING_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/mapping/auto_map.h"
#include "services/mapping/directory.h"
#include "services/mapping/portal.h"

namespace crmsync::mapping {

struct UpsertPortalResult {
  Portal portal;
  bool created = false;
};

// The position after which a keyset page starts: the last row's sort key.
struct AccountPosition {
  std::string match_key;
  std::string client_account_id;
};
struct DealPosition {
  std::string name;
  std::string crm_deal_id;
};

// One page of the account picker.
struct CandidatePage {
  struct Client {
    Account account;
    std::string match_key;
  };
  std::vector<Client> client_accounts;     // the page, in (match_key, id) order
  std::vector<AccountMapping> mapped;      // mappings of those client accounts, in page order
  std::vector<AccountCandidate> unmapped;  // in page order, then by CRM account id
};

struct AutoMapResult {
  AutoMapPlan plan;
  std::vector<AccountMapping> mapped;  // the plan's pairs as mappings, in plan order
  int already_mapped = 0;
};

enum class LinkFilter { kAll, kLinked, kUnlinked };

class MappingStore {
 public:
  virtual ~MappingStore() = default;

  // NOT_FOUND when the portal is not configured.
  virtual absl::StatusOr<Portal> GetPortal(absl::string_view portal_id, absl::Time deadline) = 0;
  // Creates or replaces the settings (assumed valid) at `now`.
  virtual absl::StatusOr<UpsertPortalResult> UpsertPortal(const PortalSettings& settings,
                                                          absl::Time now, absl::Time deadline) = 0;
  // Up to `limit` portals with ids after `after` ("" for the first page), by id.
  virtual absl::StatusOr<std::vector<Portal>> ListPortals(absl::string_view after, int limit,
                                                          absl::Time deadline) = 0;

  // Each replaces one part of the directory in one transaction with `records` (ids unique): new
  // ones added, changed ones updated, missing ones marked removed. `fetched` is records.size().
  virtual absl::StatusOr<ImportCount> ReplaceAccounts(absl::string_view portal_id,
                                                      DirectoryPart part,
                                                      const std::vector<Account>& records,
                                                      absl::Time now, absl::Time deadline) = 0;
  virtual absl::StatusOr<ImportCount> ReplaceProjects(absl::string_view portal_id,
                                                      const std::vector<ProjectRecord>& records,
                                                      absl::Time now, absl::Time deadline) = 0;
  virtual absl::StatusOr<ImportCount> ReplaceDeals(absl::string_view portal_id,
                                                   const std::vector<DealRecord>& records,
                                                   absl::Time now, absl::Time deadline) = 0;
  virtual absl::StatusOr<ImportCount> ReplaceUsers(absl::string_view portal_id, Side side,
                                                   const std::vector<SideUser>& records,
                                                   absl::Time now, absl::Time deadline) = 0;

  // NOT_FOUND (project_id) when the directory has no such project.
  virtual absl::StatusOr<ProjectView> GetProject(absl::string_view portal_id,
                                                 absl::string_view project_id,
                                                 absl::Time deadline) = 0;

  // Up to `limit` client accounts after `after`, with their mappings and unmapped candidates;
  // only `client_account_id` when not empty (NOT_FOUND client_account_id when unknown).
  virtual absl::StatusOr<CandidatePage> ListCandidates(absl::string_view portal_id,
                                                       absl::string_view client_account_id,
                                                       const std::optional<AccountPosition>& after,
                                                       int limit, absl::Time deadline) = 0;

  // Maps the pair (origin manual). NOT_FOUND a record not in the directory (or removed);
  // ALREADY_EXISTS this pair is mapped; FAILED_PRECONDITION either is mapped to another record.
  virtual absl::StatusOr<AccountMapping> MapAccount(absl::string_view portal_id,
                                                    absl::string_view client_account_id,
                                                    absl::string_view crm_account_id,
                                                    absl::string_view created_by, absl::Time now,
                                                    absl::Time deadline) = 0;
  // Removes and returns the mapping; NOT_FOUND (client_account_id) when there is none.
  virtual absl::StatusOr<AccountMapping> UnmapAccount(absl::string_view portal_id,
                                                      absl::string_view client_account_id,
                                                      absl::Time deadline) = 0;
  // Plans over the unmapped records and, unless `dry_run`, writes every pair in one transaction.
  virtual absl::StatusOr<AutoMapResult> AutoMapAccounts(absl::string_view portal_id, bool dry_run,
                                                        absl::string_view created_by,
                                                        absl::Time now, absl::Time deadline) = 0;

  // Up to `limit` deals of the project after `after`. NOT_FOUND (project_id) unknown project.
  virtual absl::StatusOr<std::vector<Deal>> ListProjectDeals(
      absl::string_view portal_id, absl::string_view project_id,
      const std::optional<DealPosition>& after, int limit, absl::Time deadline) = 0;
  // NOT_FOUND deal or project not in the directory (or removed); ALREADY_EXISTS associated with
  // this project; FAILED_PRECONDITION associated with another.
  virtual absl::StatusOr<Deal> MapDealToProject(absl::string_view portal_id,
                                                absl::string_view crm_deal_id,
                                                absl::string_view project_id, absl::Time now,
                                                absl::Time deadline) = 0;
  // NOT_FOUND (crm_deal_id) unknown or not associated.
  virtual absl::StatusOr<Deal> UnmapDeal(absl::string_view portal_id, absl::string_view crm_deal_id,
                                         absl::Time deadline) = 0;

  // NOT_FOUND when no user of `side` has that id.
  virtual absl::StatusOr<User> LookupUserById(absl::string_view portal_id, Side side,
                                              absl::string_view user_id, absl::Time deadline) = 0;
  // `email_key` as EmailKey makes it. NOT_FOUND when neither side has it.
  virtual absl::StatusOr<User> LookupUserByEmail(absl::string_view portal_id,
                                                 absl::string_view email_key,
                                                 absl::Time deadline) = 0;
  // Up to `limit` users (one per email) with email_key after `after` ("" first), by email_key.
  virtual absl::StatusOr<std::vector<User>> ListUsers(absl::string_view portal_id,
                                                      LinkFilter filter, absl::string_view after,
                                                      int limit, absl::Time deadline) = 0;
};

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_STORE_H_

// MappingStore on PostgreSQL (schema "mapping"): the only mapping file that touches libpqxx. Link
// changes of one portal (map, unmap, auto-map, deal associations) take the portal row's lock, so
// that auto-map plans over a directory no concurrent map can change.
#ifndef CRMSYNC_SERVICES_MAPPING_PG_STORE_H_
#define CRMSYNC_SERVICES_MAPPING_PG_STORE_H_

#include "libs/pg/pool.h"
#include "services/mapping/store.h"

namespace crmsync::mapping {

class PgStore : public MappingStore {
 public:
  // `pool` must have the mapping queries prepared and outlive the store.
  explicit PgStore(pg::Pool& pool) : pool_(pool) {}

  absl::StatusOr<Portal> GetPortal(absl::string_view portal_id, absl::Time deadline) override;
  absl::StatusOr<UpsertPortalResult> UpsertPortal(const PortalSettings& settings, absl::Time now,
                                                  absl::Time deadline) override;
  absl::StatusOr<std::vector<Portal>> ListPortals(absl::string_view after, int limit,
                                                  absl::Time deadline) override;
  absl::StatusOr<ImportCount> ReplaceAccounts(absl::string_view portal_id, DirectoryPart part,
                                              const std::vector<Account>& records, absl::Time now,
                                              absl::Time deadline) override;
  absl::StatusOr<ImportCount> ReplaceProjects(absl::string_view portal_id,
                                              const std::vector<ProjectRecord>& records,
                                              absl::Time now, absl::Time deadline) override;
  absl::StatusOr<ImportCount> ReplaceDeals(absl::string_view portal_id,
                                           const std::vector<DealRecord>& records, absl::Time now,
                                           absl::Time deadline) override;
  absl::StatusOr<ImportCount> ReplaceUsers(absl::string_view portal_id, Side side,
                                           const std::vector<SideUser>& records, absl::Time now,
                                           absl::Time deadline) override;
  absl::StatusOr<ProjectView> GetProject(absl::string_view portal_id, absl::string_view project_id,
                                         absl::Time deadline) override;
  absl::StatusOr<CandidatePage> ListCandidates(absl::string_view portal_id,
                                               absl::string_view client_account_id,
                                               const std::optional<AccountPosition>& after,
                                               int limit, absl::Time deadline) override;
  absl::StatusOr<AccountMapping> MapAccount(absl::string_view portal_id,
                                            absl::string_view client_account_id,
                                            absl::string_view crm_account_id,
                                            absl::string_view created_by, absl::Time now,
                                            absl::Time deadline) override;
  absl::StatusOr<AccountMapping> UnmapAccount(absl::string_view portal_id,
                                              absl::string_view client_account_id,
                                              absl::Time deadline) override;
  absl::StatusOr<AutoMapResult> AutoMapAccounts(absl::string_view portal_id, bool dry_run,
                                                absl::string_view created_by, absl::Time now,
                                                absl::Time deadline) override;
  absl::StatusOr<std::vector<Deal>> ListProjectDeals(absl::string_view portal_id,
                                                     absl::string_view project_id,
                                                     const std::optional<DealPosition>& after,
                                                     int limit, absl::Time deadline) override;
  absl::StatusOr<Deal> MapDealToProject(absl::string_view portal_id, absl::string_view crm_deal_id,
                                        absl::string_view project_id, absl::Time now,
                                        absl::Time deadline) override;
  absl::StatusOr<Deal> UnmapDeal(absl::string_view portal_id, absl::string_view crm_deal_id,
                                 absl::Time deadline) override;
  absl::StatusOr<User> LookupUserById(absl::string_view portal_id, Side side,
                                      absl::string_view user_id, absl::Time deadline) override;
  absl::StatusOr<User> LookupUserByEmail(absl::string_view portal_id, absl::string_view email_key,
                                         absl::Time deadline) override;
  absl::StatusOr<std::vector<User>> ListUsers(absl::string_view portal_id, LinkFilter filter,
                                              absl::string_view after, int limit,
                                              absl::Time deadline) override;

 private:
  // Replaces one part of the portal's directory with `records` (a JSON array of `fetched`
  // records, as `query` takes them) in one transaction.
  absl::StatusOr<ImportCount> ReplacePart(absl::string_view portal_id, DirectoryPart part,
                                          const char* query, size_t fetched,
                                          const std::string& records, absl::Time now,
                                          absl::Time deadline);

  pg::Pool& pool_;
};

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_PG_STORE_H_

#include "services/mapping/pg_store.h"

#include <algorithm>
#include <map>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libs/common/status_macros.h"
#include "nlohmann/json.hpp"
#include "services/mapping/match_key.h"
#include "services/mapping/validation.h"

namespace crmsync::mapping {
namespace {

using Tx = pqxx::transaction_base;

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }

std::string Text(const pqxx::row& row, const char* column) {
  const pqxx::field field = row[column];
  return field.is_null() ? std::string() : field.as<std::string>();
}

absl::Time TimeOf(const pqxx::row& row, const char* column) {
  return absl::FromUnixMicros(row[column].as<int64_t>());
}

std::optional<absl::CivilDay> DayOf(const pqxx::row& row, const char* column) {
  absl::CivilDay day;
  if (row[column].is_null() || !absl::ParseCivilTime(row[column].c_str(), &day)) {
    return std::nullopt;
  }
  return day;
}

nlohmann::json DayJson(const std::optional<absl::CivilDay>& day) {
  if (!day) return nullptr;
  return absl::FormatCivilTime(*day);
}

nlohmann::json NullIfEmpty(const std::string& text) {
  if (text.empty()) return nullptr;
  return text;
}

absl::Status PortalNotFound(absl::string_view portal_id) {
  return absl::NotFoundError(
      absl::StrCat("portal_id: portal ", portal_id, " is not configured (UpsertPortal)"));
}

// NOT_FOUND unless the portal is configured; with `lock`, also takes the portal's link lock.
absl::Status RequirePortal(Tx& tx, absl::string_view portal_id, bool lock = false) {
  const auto rows =
      tx.exec_prepared(lock ? "lock_portal" : "portal_exists", std::string(portal_id));
  if (rows.empty()) return PortalNotFound(portal_id);
  return absl::OkStatus();
}

absl::StatusOr<Portal> PortalFrom(const pqxx::row& row) {
  Portal portal;
  portal.settings.portal_id = row["portal_id"].as<std::string>();
  portal.settings.name = row["name"].as<std::string>();
  portal.settings.crm_org_id = row["crm_org_id"].as<std::string>();
  ASSIGN_OR_RETURN(portal.settings.rejection_policy,
                   RejectionPolicyFromName(row["rejection_policy"].as<std::string>()));
  ASSIGN_OR_RETURN(portal.settings.value_maps,
                   ValueMapsFromJson(row["value_maps"].as<std::string>()));
  portal.create_time = TimeOf(row, "create_micros");
  portal.update_time = TimeOf(row, "update_micros");
  return portal;
}

AccountMapping MappingFrom(const pqxx::row& row) {
  AccountMapping m;
  m.client_account = {row["client_account_id"].as<std::string>(),
                      row["client_account_name"].as<std::string>()};
  m.crm_account = {row["crm_account_id"].as<std::string>(),
                   row["crm_account_name"].as<std::string>()};
  m.origin =
      row["origin"].as<std::string>() == "auto" ? MappingOrigin::kAuto : MappingOrigin::kManual;
  m.created_by = row["created_by"].as<std::string>();
  m.create_time = TimeOf(row, "create_micros");
  return m;
}

Deal DealFrom(const pqxx::row& row) {
  Deal d;
  d.deal.id = row["crm_deal_id"].as<std::string>();
  d.deal.name = row["name"].as<std::string>();
  d.deal.crm_account_id = Text(row, "crm_account_id");
  d.crm_account_name = Text(row, "crm_account_name");
  d.project_id = Text(row, "project_id");
  if (!row["associate_micros"].is_null()) d.associate_time = TimeOf(row, "associate_micros");
  return d;
}

SideUser SideUserFrom(const pqxx::row& row) {
  return SideUser{row["user_id"].as<std::string>(), row["display_name"].as<std::string>(),
                  row["email"].as<std::string>(), row["active"].as<bool>()};
}

// Folds rows of one email (ordered by side) into users, in row order.
std::vector<User> UsersFrom(const pqxx::result& rows) {
  std::vector<User> users;
  for (const auto& row : rows) {
    const std::string key = row["email_key"].as<std::string>();
    if (users.empty() || users.back().email_key != key) users.push_back(User{key, {}, {}});
    (row["side"].as<std::string>() == "crm" ? users.back().crm : users.back().projects) =
        SideUserFrom(row);
  }
  return users;
}

const char* SideName(Side side) { return side == Side::kCrm ? "crm" : "projects"; }

ImportCount CountFrom(DirectoryPart part, size_t fetched, const pqxx::result& rows) {
  ImportCount count{part};
  count.fetched = static_cast<int>(fetched);
  count.created = rows[0]["created"].as<int>();
  count.updated = rows[0]["updated"].as<int>();
  count.removed = rows[0]["removed"].as<int>();
  return count;
}

// The mapping of one client account, or nullopt.
std::optional<AccountMapping> MappingOfClient(Tx& tx, absl::string_view portal_id,
                                              absl::string_view client_account_id) {
  const auto rows =
      tx.exec_prepared("mappings_of_client_accounts", std::string(portal_id),
                       nlohmann::json::array({std::string(client_account_id)}).dump());
  if (rows.empty()) return std::nullopt;
  return MappingFrom(rows[0]);
}

std::string Describe(const AccountMapping& m) {
  return absl::StrCat("client account \"", m.client_account.name, "\" (", m.client_account.id,
                      ") is mapped to CRM account \"", m.crm_account.name, "\" (", m.crm_account.id,
                      ")");
}

// The named record when it is in the directory and not removed; NOT_FOUND naming `field`.
absl::StatusOr<Account> DirectoryAccount(Tx& tx, const char* query, absl::string_view portal_id,
                                         absl::string_view id, absl::string_view field,
                                         absl::string_view what) {
  const auto rows = tx.exec_prepared(query, std::string(portal_id), std::string(id));
  if (rows.empty() || rows[0]["removed"].as<bool>()) {
    return absl::NotFoundError(
        absl::StrCat(field, ": ", what, " ", id, " is not in the directory (run ImportDirectory)"));
  }
  return Account{std::string(id), rows[0]["name"].as<std::string>()};
}

std::vector<Account> AccountsFrom(const pqxx::result& rows, const char* id_column) {
  std::vector<Account> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    out.push_back({row[id_column].as<std::string>(), row["name"].as<std::string>()});
  }
  return out;
}

}  // namespace

absl::StatusOr<Portal> PgStore::GetPortal(absl::string_view portal_id, absl::Time deadline) {
  return pool_.TransactValue<Portal>(
      [&](Tx& tx) -> absl::StatusOr<Portal> {
        const auto rows = tx.exec_prepared("get_portal", std::string(portal_id));
        if (rows.empty()) return PortalNotFound(portal_id);
        return PortalFrom(rows[0]);
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<UpsertPortalResult> PgStore::UpsertPortal(const PortalSettings& s, absl::Time now,
                                                         absl::Time deadline) {
  return pool_.TransactValue<UpsertPortalResult>(
      [&](Tx& tx) -> absl::StatusOr<UpsertPortalResult> {
        const auto rows = tx.exec_prepared("upsert_portal", s.portal_id, s.name, s.crm_org_id,
                                           std::string(RejectionPolicyName(s.rejection_policy)),
                                           ValueMapsToJson(s.value_maps), Micros(now));
        ASSIGN_OR_RETURN(Portal portal, PortalFrom(rows[0]));
        return UpsertPortalResult{std::move(portal), rows[0]["created"].as<bool>()};
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<std::vector<Portal>> PgStore::ListPortals(absl::string_view after, int limit,
                                                         absl::Time deadline) {
  return pool_.TransactValue<std::vector<Portal>>(
      [&](Tx& tx) -> absl::StatusOr<std::vector<Portal>> {
        std::vector<Portal> portals;
        for (const auto& row : tx.exec_prepared("list_portals", std::string(after), limit)) {
          ASSIGN_OR_RETURN(Portal portal, PortalFrom(row));
          portals.push_back(std::move(portal));
        }
        return portals;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<ImportCount> PgStore::ReplacePart(absl::string_view portal_id, DirectoryPart part,
                                                 const char* query, size_t fetched,
                                                 const std::string& records, absl::Time now,
                                                 absl::Time deadline) {
  return pool_.TransactValue<ImportCount>(
      [&](Tx& tx) -> absl::StatusOr<ImportCount> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id));
        return CountFrom(part, fetched,
                         tx.exec_prepared(query, std::string(portal_id), records, Micros(now)));
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<ImportCount> PgStore::ReplaceAccounts(absl::string_view portal_id,
                                                     DirectoryPart part,
                                                     const std::vector<Account>& records,
                                                     absl::Time now, absl::Time deadline) {
  if (part != DirectoryPart::kClientAccounts && part != DirectoryPart::kCrmAccounts) {
    return absl::InvalidArgumentError("ReplaceAccounts: not an accounts part");
  }
  nlohmann::json json = nlohmann::json::array();
  for (const Account& a : records) {
    json.push_back({{"id", a.id}, {"name", a.name}, {"match_key", MatchKey(a.name)}});
  }
  return ReplacePart(
      portal_id, part,
      part == DirectoryPart::kClientAccounts ? "replace_client_accounts" : "replace_crm_accounts",
      records.size(), json.dump(), now, deadline);
}

absl::StatusOr<ImportCount> PgStore::ReplaceProjects(absl::string_view portal_id,
                                                     const std::vector<ProjectRecord>& records,
                                                     absl::Time now, absl::Time deadline) {
  nlohmann::json json = nlohmann::json::array();
  for (const ProjectRecord& p : records) {
    json.push_back({{"id", p.id},
                    {"name", p.name},
                    {"client_account_id", NullIfEmpty(p.client_account_id)},
                    {"start_date", DayJson(p.start_date)},
                    {"end_date", DayJson(p.end_date)},
                    {"strict", p.strict}});
  }
  return ReplacePart(portal_id, DirectoryPart::kProjects, "replace_projects", records.size(),
                     json.dump(), now, deadline);
}

absl::StatusOr<ImportCount> PgStore::ReplaceDeals(absl::string_view portal_id,
                                                  const std::vector<DealRecord>& records,
                                                  absl::Time now, absl::Time deadline) {
  nlohmann::json json = nlohmann::json::array();
  for (const DealRecord& d : records) {
    json.push_back(
        {{"id", d.id}, {"name", d.name}, {"crm_account_id", NullIfEmpty(d.crm_account_id)}});
  }
  return ReplacePart(portal_id, DirectoryPart::kDeals, "replace_deals", records.size(), json.dump(),
                     now, deadline);
}

absl::StatusOr<ImportCount> PgStore::ReplaceUsers(absl::string_view portal_id, Side side,
                                                  const std::vector<SideUser>& records,
                                                  absl::Time now, absl::Time deadline) {
  nlohmann::json json = nlohmann::json::array();
  for (const SideUser& u : records) {
    json.push_back({{"id", u.id},
                    {"display_name", u.display_name},
                    {"email", u.email},
                    {"email_key", EmailKey(u.email)},
                    {"active", u.active}});
  }
  const DirectoryPart part =
      side == Side::kCrm ? DirectoryPart::kCrmUsers : DirectoryPart::kProjectsUsers;
  return pool_.TransactValue<ImportCount>(
      [&](Tx& tx) -> absl::StatusOr<ImportCount> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id));
        return CountFrom(part, records.size(),
                         tx.exec_prepared("replace_users", std::string(portal_id),
                                          std::string(SideName(side)), json.dump(), Micros(now)));
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<ProjectView> PgStore::GetProject(absl::string_view portal_id,
                                                absl::string_view project_id, absl::Time deadline) {
  return pool_.TransactValue<ProjectView>(
      [&](Tx& tx) -> absl::StatusOr<ProjectView> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id));
        const auto rows =
            tx.exec_prepared("get_project", std::string(portal_id), std::string(project_id));
        if (rows.empty()) {
          return absl::NotFoundError(
              absl::StrCat("project_id: project ", project_id, " is not in the directory"));
        }
        const auto& row = rows[0];
        ProjectView view;
        view.project.id = row["project_id"].as<std::string>();
        view.project.name = row["name"].as<std::string>();
        view.project.client_account_id = Text(row, "client_account_id");
        view.project.start_date = DayOf(row, "start_date");
        view.project.end_date = DayOf(row, "end_date");
        view.project.strict = row["strict"].as<bool>();
        if (!row["client_account_name"].is_null()) {
          view.client_account =
              Account{view.project.client_account_id, row["client_account_name"].as<std::string>()};
        }
        if (!row["mapped_crm_account_id"].is_null()) {
          view.mapped_crm_account = Account{row["mapped_crm_account_id"].as<std::string>(),
                                            row["mapped_crm_account_name"].as<std::string>()};
        }
        view.update_time = TimeOf(row, "update_micros");
        return view;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<CandidatePage> PgStore::ListCandidates(absl::string_view portal_id,
                                                      absl::string_view client_account_id,
                                                      const std::optional<AccountPosition>& after,
                                                      int limit, absl::Time deadline) {
  return pool_.TransactValue<CandidatePage>(
      [&](Tx& tx) -> absl::StatusOr<CandidatePage> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id));
        const std::string portal(portal_id);
        // One client account is a page of its own; a token after it reaches the end.
        pqxx::result clients;
        if (client_account_id.empty()) {
          clients = tx.exec_prepared("list_client_accounts_page", portal, after.has_value(),
                                     after ? after->match_key : std::string(),
                                     after ? after->client_account_id : std::string(), limit);
        } else if (!after.has_value()) {
          clients =
              tx.exec_prepared("client_account_for_picker", portal, std::string(client_account_id));
        }
        if (clients.empty() && !client_account_id.empty() && !after.has_value()) {
          return absl::NotFoundError(absl::StrCat("client_account_id: client account ",
                                                  client_account_id, " is not in the directory"));
        }
        CandidatePage page;
        std::map<std::string, size_t> position;
        nlohmann::json ids = nlohmann::json::array();
        for (const auto& row : clients) {
          CandidatePage::Client client{
              {row["client_account_id"].as<std::string>(), row["name"].as<std::string>()},
              row["match_key"].as<std::string>()};
          position[client.account.id] = page.client_accounts.size();
          ids.push_back(client.account.id);
          page.client_accounts.push_back(std::move(client));
        }
        if (page.client_accounts.empty()) return page;
        for (const auto& row :
             tx.exec_prepared("mappings_of_client_accounts", portal, ids.dump())) {
          page.mapped.push_back(MappingFrom(row));
        }
        std::sort(page.mapped.begin(), page.mapped.end(),
                  [&](const AccountMapping& a, const AccountMapping& b) {
                    return position[a.client_account.id] < position[b.client_account.id];
                  });
        for (const auto& row :
             tx.exec_prepared("candidates_of_client_accounts", portal, ids.dump())) {
          page.unmapped.push_back(AccountCandidate{
              {row["client_account_id"].as<std::string>(),
               row["client_account_name"].as<std::string>()},
              {row["crm_account_id"].as<std::string>(), row["crm_account_name"].as<std::string>()},
              row["match_key"].as<std::string>()});
        }
        std::stable_sort(page.unmapped.begin(), page.unmapped.end(),
                         [&](const AccountCandidate& a, const AccountCandidate& b) {
                           return position[a.client_account.id] < position[b.client_account.id];
                         });
        return page;
      },
      pg::Isolation::kRepeatableRead, deadline);
}

absl::StatusOr<AccountMapping> PgStore::MapAccount(absl::string_view portal_id,
                                                   absl::string_view client_account_id,
                                                   absl::string_view crm_account_id,
                                                   absl::string_view created_by, absl::Time now,
                                                   absl::Time deadline) {
  return pool_.TransactValue<AccountMapping>(
      [&](Tx& tx) -> absl::StatusOr<AccountMapping> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id, /*lock=*/true));
        ASSIGN_OR_RETURN(Account client,
                         DirectoryAccount(tx, "get_client_account", portal_id, client_account_id,
                                          "client_account_id", "client account"));
        ASSIGN_OR_RETURN(Account crm,
                         DirectoryAccount(tx, "get_crm_account", portal_id, crm_account_id,
                                          "crm_account_id", "CRM account"));
        if (auto existing = MappingOfClient(tx, portal_id, client_account_id)) {
          if (existing->crm_account.id == crm_account_id) {
            return absl::AlreadyExistsError(absl::StrCat(Describe(*existing), " already"));
          }
          return absl::FailedPreconditionError(absl::StrCat(
              "client_account_id: ", Describe(*existing), "; unmap it first (UnmapAccount)"));
        }
        const auto of_crm = tx.exec_prepared("mapping_of_crm_account", std::string(portal_id),
                                             std::string(crm_account_id));
        if (!of_crm.empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat("crm_account_id: ", Describe(MappingFrom(of_crm[0])),
                           "; unmap it first (UnmapAccount)"));
        }
        tx.exec_prepared("insert_mapping", std::string(portal_id), client.id, crm.id,
                         std::string("manual"), std::string(created_by), Micros(now));
        return AccountMapping{client, crm, MappingOrigin::kManual, std::string(created_by),
                              absl::FromUnixMicros(Micros(now))};
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<AccountMapping> PgStore::UnmapAccount(absl::string_view portal_id,
                                                     absl::string_view client_account_id,
                                                     absl::Time deadline) {
  return pool_.TransactValue<AccountMapping>(
      [&](Tx& tx) -> absl::StatusOr<AccountMapping> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id, /*lock=*/true));
        auto existing = MappingOfClient(tx, portal_id, client_account_id);
        if (!existing) {
          return absl::NotFoundError(absl::StrCat("client_account_id: client account ",
                                                  client_account_id, " is not mapped"));
        }
        tx.exec_prepared("delete_mapping", std::string(portal_id), std::string(client_account_id));
        return *existing;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<AutoMapResult> PgStore::AutoMapAccounts(absl::string_view portal_id, bool dry_run,
                                                       absl::string_view created_by, absl::Time now,
                                                       absl::Time deadline) {
  return pool_.TransactValue<AutoMapResult>(
      [&](Tx& tx) -> absl::StatusOr<AutoMapResult> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id, /*lock=*/!dry_run));
        const std::string portal(portal_id);
        AutoMapResult result;
        result.plan = PlanAutoMap(
            AccountsFrom(tx.exec_prepared("unmapped_client_accounts", portal), "client_account_id"),
            AccountsFrom(tx.exec_prepared("unmapped_crm_accounts", portal), "crm_account_id"));
        result.already_mapped = tx.exec_prepared("count_mappings", portal)[0]["mapped"].as<int>();
        const absl::Time at = absl::FromUnixMicros(Micros(now));
        nlohmann::json pairs = nlohmann::json::array();
        for (const AutoMapPair& pair : result.plan.pairs) {
          result.mapped.push_back(AccountMapping{pair.client_account, pair.crm_account,
                                                 MappingOrigin::kAuto, std::string(created_by),
                                                 at});
          pairs.push_back({{"client_account_id", pair.client_account.id},
                           {"crm_account_id", pair.crm_account.id}});
        }
        if (!dry_run && !result.mapped.empty()) {
          tx.exec_prepared("insert_auto_mappings", portal, pairs.dump(), std::string(created_by),
                           Micros(now));
        }
        return result;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<std::vector<Deal>> PgStore::ListProjectDeals(
    absl::string_view portal_id, absl::string_view project_id,
    const std::optional<DealPosition>& after, int limit, absl::Time deadline) {
  return pool_.TransactValue<std::vector<Deal>>(
      [&](Tx& tx) -> absl::StatusOr<std::vector<Deal>> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id));
        const std::string portal(portal_id);
        if (tx.exec_prepared("get_project", portal, std::string(project_id)).empty()) {
          return absl::NotFoundError(
              absl::StrCat("project_id: project ", project_id, " is not in the directory"));
        }
        std::vector<Deal> deals;
        for (const auto& row :
             tx.exec_prepared("list_project_deals", portal, std::string(project_id),
                              after.has_value(), after ? after->name : std::string(),
                              after ? after->crm_deal_id : std::string(), limit)) {
          deals.push_back(DealFrom(row));
        }
        return deals;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<Deal> PgStore::MapDealToProject(absl::string_view portal_id,
                                               absl::string_view crm_deal_id,
                                               absl::string_view project_id, absl::Time now,
                                               absl::Time deadline) {
  return pool_.TransactValue<Deal>(
      [&](Tx& tx) -> absl::StatusOr<Deal> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id, /*lock=*/true));
        const std::string portal(portal_id);
        const auto deal = tx.exec_prepared("get_deal", portal, std::string(crm_deal_id));
        if (deal.empty() || deal[0]["removed"].as<bool>()) {
          return absl::NotFoundError(absl::StrCat(
              "crm_deal_id: deal ", crm_deal_id, " is not in the directory (run ImportDirectory)"));
        }
        const auto project = tx.exec_prepared("get_project", portal, std::string(project_id));
        if (project.empty() || project[0]["removed"].as<bool>()) {
          return absl::NotFoundError(
              absl::StrCat("project_id: project ", project_id,
                           " is not in the directory (run ImportDirectory)"));
        }
        const std::string current = Text(deal[0], "project_id");
        if (current == project_id) {
          return absl::AlreadyExistsError(absl::StrCat("crm_deal_id: deal ", crm_deal_id,
                                                       " is already associated with project ",
                                                       project_id));
        }
        if (!current.empty()) {
          return absl::FailedPreconditionError(absl::StrCat("crm_deal_id: deal ", crm_deal_id,
                                                            " is associated with project ", current,
                                                            "; unmap it first (UnmapDeal)"));
        }
        tx.exec_prepared("set_deal_project", portal, std::string(crm_deal_id),
                         std::string(project_id), Micros(now));
        return DealFrom(tx.exec_prepared("get_deal", portal, std::string(crm_deal_id))[0]);
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<Deal> PgStore::UnmapDeal(absl::string_view portal_id, absl::string_view crm_deal_id,
                                        absl::Time deadline) {
  return pool_.TransactValue<Deal>(
      [&](Tx& tx) -> absl::StatusOr<Deal> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id, /*lock=*/true));
        const std::string portal(portal_id);
        const auto deal = tx.exec_prepared("get_deal", portal, std::string(crm_deal_id));
        if (deal.empty()) {
          return absl::NotFoundError(
              absl::StrCat("crm_deal_id: deal ", crm_deal_id, " is not in the directory"));
        }
        if (deal[0]["project_id"].is_null()) {
          return absl::NotFoundError(
              absl::StrCat("crm_deal_id: deal ", crm_deal_id, " is not associated with a project"));
        }
        tx.exec_prepared("set_deal_project", portal, std::string(crm_deal_id), std::string(),
                         int64_t{0});
        return DealFrom(tx.exec_prepared("get_deal", portal, std::string(crm_deal_id))[0]);
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<User> PgStore::LookupUserById(absl::string_view portal_id, Side side,
                                             absl::string_view user_id, absl::Time deadline) {
  return pool_.TransactValue<User>(
      [&](Tx& tx) -> absl::StatusOr<User> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id));
        const std::string portal(portal_id);
        const auto rows = tx.exec_prepared("user_by_id", portal, std::string(SideName(side)),
                                           std::string(user_id));
        if (rows.empty()) {
          return absl::NotFoundError(
              absl::StrCat("by_id.user_id: no ", SideName(side), " user ", user_id));
        }
        const std::string key = rows[0]["email_key"].as<std::string>();
        if (key.empty()) return UsersFrom(rows)[0];
        User user = UsersFrom(tx.exec_prepared("users_by_email", portal, key))[0];
        // The id asked for wins over another user of that side sharing the email.
        (side == Side::kCrm ? user.crm : user.projects) = SideUserFrom(rows[0]);
        return user;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<User> PgStore::LookupUserByEmail(absl::string_view portal_id,
                                                absl::string_view email_key, absl::Time deadline) {
  return pool_.TransactValue<User>(
      [&](Tx& tx) -> absl::StatusOr<User> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id));
        const auto users = UsersFrom(
            tx.exec_prepared("users_by_email", std::string(portal_id), std::string(email_key)));
        if (users.empty()) {
          return absl::NotFoundError(absl::StrCat("email: no user with email ", email_key));
        }
        return users[0];
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<std::vector<User>> PgStore::ListUsers(absl::string_view portal_id, LinkFilter filter,
                                                     absl::string_view after, int limit,
                                                     absl::Time deadline) {
  return pool_.TransactValue<std::vector<User>>(
      [&](Tx& tx) -> absl::StatusOr<std::vector<User>> {
        RETURN_IF_ERROR(RequirePortal(tx, portal_id));
        const char* filter_name = filter == LinkFilter::kLinked     ? "linked"
                                  : filter == LinkFilter::kUnlinked ? "unlinked"
                                                                    : "";
        return UsersFrom(tx.exec_prepared("list_users", std::string(portal_id), std::string(after),
                                          std::string(filter_name), limit));
      },
      pg::Isolation::kReadCommitted, deadline);
}

}  // namespace crmsync::mapping

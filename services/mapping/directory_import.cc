#include "services/mapping/directory_import.h"

#include <functional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/zoho/crm_client.h"
#include "libs/zoho/projects_client.h"

namespace crmsync::mapping {
namespace {

// Progress is logged once per this many records read (and once per page).
constexpr int kLogEvery = 1000;

const char* SideName(Side side) { return side == Side::kCrm ? "CRM" : "Projects"; }

Side SideOf(DirectoryPart part) {
  return part <= DirectoryPart::kProjectsUsers ? Side::kProjects : Side::kCrm;
}

// A token-source failure as ImportDirectory reports it.
absl::Status TokenError(Side side, absl::string_view portal_id, const absl::Status& status) {
  if (absl::IsNotFound(status) || absl::IsFailedPrecondition(status) ||
      absl::IsPermissionDenied(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat("no ACTIVE ", SideName(side), " grant for portal ", portal_id,
                     " with the import's scopes: ", status.message()));
  }
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return absl::UnavailableError(absl::StrCat("auth: ", status.message()));
  }
  return absl::InternalError(absl::StrCat("auth: ", status.message()));
}

// A Zoho failure as ImportDirectory reports it.
absl::Status ZohoFailure(DirectoryPart part, const absl::Status& status) {
  const std::string what = absl::StrCat("reading ", PartName(part), " from Zoho: ");
  if (absl::IsResourceExhausted(status)) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, status.message(), "; nothing of this part was written, retry later"));
  }
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    return absl::UnavailableError(absl::StrCat(what, status.message()));
  }
  if (absl::IsUnauthenticated(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, "Zoho refused a fresh token: ", status.message()));
  }
  return absl::InternalError(absl::StrCat(what, status.message()));
}

const char* FailureCause(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kFailedPrecondition:
      return "no_grant";
    case absl::StatusCode::kResourceExhausted:
      return "rate_limited";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    default:
      return "other";
  }
}

// Reads one part: the calls, each with a token, and the records accumulated across pages.
class PartReader {
 public:
  // Every call to auth and Zoho is bounded by `deadline` as well as by its own timeout.
  PartReader(AccessTokens& tokens, http::HttpClient& http, const std::string& projects_base_url,
             absl::string_view portal_id, DirectoryPart part, absl::Time deadline)
      : tokens_(tokens),
        http_(http, deadline),
        projects_base_url_(projects_base_url),
        portal_id_(portal_id),
        part_(part),
        deadline_(deadline) {}

  // Runs `call` with a token of the part's side; once more with a fresh one after a 401.
  template <typename T>
  absl::StatusOr<T> WithToken(const std::function<absl::StatusOr<T>(const ApiToken&)>& call) {
    const Side side = SideOf(part_);
    auto token = tokens_.Get(portal_id_, side, ImportScopes(side), "", deadline_);
    if (!token.ok()) return TokenError(side, portal_id_, token.status());
    absl::StatusOr<T> result = call(*token);
    if (absl::IsUnauthenticated(result.status())) {
      token = tokens_.Get(portal_id_, side, ImportScopes(side), token->access_token, deadline_);
      if (!token.ok()) return TokenError(side, portal_id_, token.status());
      result = call(*token);
    }
    if (!result.ok()) return ZohoFailure(part_, result.status());
    return result;
  }

  zoho::ProjectsClient Projects() { return zoho::ProjectsClient(http_, projects_base_url_); }
  zoho::CrmClient Crm(const ApiToken& token) { return zoho::CrmClient(http_, token.api_domain); }

  // Logs a page read; `total` records so far.
  void Progress(int page, size_t total) {
    if (page == 1 || total / kLogEvery != last_logged_ / kLogEvery || page % 10 == 0) {
      LogInfo("directory import progress", {{"portal_id", portal_id_},
                                            {"part", std::string(PartName(part_))},
                                            {"page", page},
                                            {"records", total}});
    }
    last_logged_ = total;
  }

  // True the first time `id` is seen (Zoho pages can shift while they are read).
  bool FirstSight(const std::string& id) { return seen_.insert(id).second; }

  absl::string_view portal_id() const { return portal_id_; }

 private:
  AccessTokens& tokens_;
  http::DeadlineHttpClient http_;
  const std::string& projects_base_url_;
  const std::string portal_id_;
  const DirectoryPart part_;
  const absl::Time deadline_;
  size_t last_logged_ = 0;
  absl::flat_hash_set<std::string> seen_;
};

// Every client company, page by page.
absl::StatusOr<std::vector<Account>> ReadClientAccounts(PartReader& reader) {
  std::vector<Account> out;
  for (int page = 1;; ++page) {
    const int index = 1 + (page - 1) * zoho::ProjectsClient::kMaxRange;
    ASSIGN_OR_RETURN(
        auto clients,
        reader.WithToken<std::vector<zoho::ProjectsClientCompany>>([&](const ApiToken& t) {
          return reader.Projects().ListClients(t.access_token, reader.portal_id(), index);
        }));
    for (auto& c : clients) {
      if (reader.FirstSight(c.id)) out.push_back({std::move(c.id), std::move(c.name)});
    }
    reader.Progress(page, out.size());
    if (static_cast<int>(clients.size()) < zoho::ProjectsClient::kMaxRange) return out;
  }
}

// Every project, page by page, then each one's client company (the project object does not
// name it).
absl::StatusOr<std::vector<ProjectRecord>> ReadProjects(PartReader& reader) {
  std::vector<ProjectRecord> out;
  for (int page = 1;; ++page) {
    const int index = 1 + (page - 1) * zoho::ProjectsClient::kMaxRange;
    ASSIGN_OR_RETURN(
        auto projects, reader.WithToken<std::vector<zoho::ProjectsProject>>([&](const ApiToken& t) {
          return reader.Projects().ListProjects(t.access_token, reader.portal_id(), index);
        }));
    for (auto& p : projects) {
      if (!reader.FirstSight(p.id)) continue;
      out.push_back({std::move(p.id), std::move(p.name), "", p.start_date, p.end_date, p.strict});
    }
    reader.Progress(page, out.size());
    if (static_cast<int>(projects.size()) < zoho::ProjectsClient::kMaxRange) break;
  }
  for (ProjectRecord& project : out) {
    ASSIGN_OR_RETURN(
        auto client,
        reader.WithToken<std::optional<zoho::ProjectsClientCompany>>([&](const ApiToken& t) {
          return reader.Projects().GetProjectClient(t.access_token, reader.portal_id(), project.id);
        }));
    if (client) project.client_account_id = client->id;
  }
  return out;
}

absl::StatusOr<std::vector<SideUser>> ReadProjectsUsers(PartReader& reader) {
  ASSIGN_OR_RETURN(auto users,
                   reader.WithToken<std::vector<zoho::ProjectsUser>>([&](const ApiToken& t) {
                     return reader.Projects().ListUsers(t.access_token, reader.portal_id());
                   }));
  std::vector<SideUser> out;
  for (auto& u : users) {
    if (reader.FirstSight(u.id)) {
      out.push_back({std::move(u.id), std::move(u.name), u.email.value_or(""), true});
    }
  }
  reader.Progress(1, out.size());
  return out;
}

// Every record of a CRM module, page by page until more_records is false.
template <typename Record>
absl::StatusOr<std::vector<Record>> ReadCrmPages(
    PartReader& reader,
    const std::function<absl::StatusOr<zoho::CrmPage<Record>>(zoho::CrmClient&, const ApiToken&,
                                                              int)>& list) {
  std::vector<Record> out;
  for (int page = 1;; ++page) {
    ASSIGN_OR_RETURN(auto records, reader.WithToken<zoho::CrmPage<Record>>([&](const ApiToken& t) {
      zoho::CrmClient crm = reader.Crm(t);
      return list(crm, t, page);
    }));
    for (auto& r : records.records) {
      if (reader.FirstSight(r.id)) out.push_back(std::move(r));
    }
    reader.Progress(page, out.size());
    if (!records.more_records) return out;
  }
}

}  // namespace

const std::vector<std::string>& ImportScopes(Side side) {
  static const auto* crm = new std::vector<std::string>{
      "ZohoCRM.modules.accounts.READ", "ZohoCRM.modules.deals.READ", "ZohoCRM.users.READ"};
  static const auto* projects = new std::vector<std::string>{
      "ZohoProjects.clients.READ", "ZohoProjects.projects.READ", "ZohoProjects.users.READ"};
  return side == Side::kCrm ? *crm : *projects;
}

absl::StatusOr<std::vector<ImportCount>> DirectoryImporter::Import(
    absl::string_view portal_id, const std::vector<DirectoryPart>& parts, absl::Time deadline) {
  const absl::Time start = clock_.Now();
  std::vector<ImportCount> counts;
  for (DirectoryPart part : parts) {
    auto count = ImportPart(portal_id, part, deadline);
    // Whatever failed once the caller stopped waiting, it failed for want of time.
    if (!count.ok() && absl::Now() >= deadline) {
      count = absl::DeadlineExceededError(absl::StrCat("deadline passed importing ", PartName(part),
                                                       ": ", count.status().message()));
    }
    if (!count.ok()) {
      metrics_.ImportFailed(FailureCause(count.status()));
      LogWarning("directory import failed", {{"portal_id", std::string(portal_id)},
                                             {"part", std::string(PartName(part))},
                                             {"error", std::string(count.status().message())}});
      return count.status();
    }
    metrics_.Imported(*count);
    LogInfo("directory part imported", {{"portal_id", std::string(portal_id)},
                                        {"part", std::string(PartName(part))},
                                        {"fetched", count->fetched},
                                        {"created", count->created},
                                        {"updated", count->updated},
                                        {"removed", count->removed}});
    counts.push_back(*count);
  }
  metrics_.ImportFinished(clock_.Now() - start);
  return counts;
}

absl::StatusOr<ImportCount> DirectoryImporter::ImportPart(absl::string_view portal_id,
                                                          DirectoryPart part, absl::Time deadline) {
  // An unknown portal is NOT_FOUND before anything is read from Zoho.
  RETURN_IF_ERROR(store_.GetPortal(portal_id, deadline).status());
  PartReader reader(tokens_, http_, projects_base_url_, portal_id, part, deadline);
  switch (part) {
    case DirectoryPart::kClientAccounts: {
      ASSIGN_OR_RETURN(auto records, ReadClientAccounts(reader));
      return store_.ReplaceAccounts(portal_id, part, records, clock_.Now(), deadline);
    }
    case DirectoryPart::kProjects: {
      ASSIGN_OR_RETURN(auto records, ReadProjects(reader));
      return store_.ReplaceProjects(portal_id, records, clock_.Now(), deadline);
    }
    case DirectoryPart::kProjectsUsers: {
      ASSIGN_OR_RETURN(auto records, ReadProjectsUsers(reader));
      return store_.ReplaceUsers(portal_id, Side::kProjects, records, clock_.Now(), deadline);
    }
    case DirectoryPart::kCrmAccounts: {
      ASSIGN_OR_RETURN(auto accounts,
                       ReadCrmPages<zoho::CrmAccount>(
                           reader, [](zoho::CrmClient& crm, const ApiToken& t, int page) {
                             return crm.ListAccounts(t.access_token, page);
                           }));
      std::vector<Account> records;
      for (auto& a : accounts) records.push_back({std::move(a.id), std::move(a.name)});
      return store_.ReplaceAccounts(portal_id, part, records, clock_.Now(), deadline);
    }
    case DirectoryPart::kDeals: {
      ASSIGN_OR_RETURN(auto deals,
                       ReadCrmPages<zoho::CrmDeal>(
                           reader, [](zoho::CrmClient& crm, const ApiToken& t, int page) {
                             return crm.ListDeals(t.access_token, page);
                           }));
      std::vector<DealRecord> records;
      for (auto& d : deals) {
        records.push_back({std::move(d.id), std::move(d.name), d.account ? d.account->id : ""});
      }
      return store_.ReplaceDeals(portal_id, records, clock_.Now(), deadline);
    }
    case DirectoryPart::kCrmUsers: {
      ASSIGN_OR_RETURN(auto users,
                       ReadCrmPages<zoho::CrmUser>(
                           reader, [](zoho::CrmClient& crm, const ApiToken& t, int page) {
                             return crm.ListUsers(t.access_token, page);
                           }));
      std::vector<SideUser> records;
      for (auto& u : users) {
        records.push_back({std::move(u.id), std::move(u.full_name), std::move(u.email), true});
      }
      return store_.ReplaceUsers(portal_id, Side::kCrm, records, clock_.Now(), deadline);
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("parts: unknown part ", static_cast<int>(part)));
}

}  // namespace crmsync::mapping

#include "services/mapping/mapping_server.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/grpc_server/caller_auth.h"
#include "libs/grpc_server/deadline.h"
#include "libs/grpc_server/proto_convert.h"
#include "libs/grpc_server/status.h"
#include "services/mapping/validation.h"

namespace crmsync::mapping {
namespace {

grpc::Status NotReady() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "mapping is not ready: schema not migrated or database unreachable");
}

grpc::Status Invalid(const absl::Status& status) { return ToGrpcStatus(status); }

template <typename Entry>
void EntriesToProto(const std::vector<PriorityEntry>& entries,
                    google::protobuf::RepeatedPtrField<Entry>* out) {
  for (const auto& e : entries) {
    auto* p = out->Add();
    p->set_side_value(e.side_value);
    p->set_priority(static_cast<common::v1::Priority>(e.priority));
    p->set_write(e.write);
  }
}

template <typename Entry>
void EntriesToProto(const std::vector<StatusEntry>& entries,
                    google::protobuf::RepeatedPtrField<Entry>* out) {
  for (const auto& e : entries) {
    auto* p = out->Add();
    p->set_side_value(e.side_value);
    p->set_status(static_cast<common::v1::TaskStatus>(e.status));
    p->set_write(e.write);
  }
}

v1::ClientAccount ClientToProto(const Account& a) {
  v1::ClientAccount out;
  out.set_client_account_id(a.id);
  out.set_name(a.name);
  return out;
}

v1::CrmAccount CrmToProto(const Account& a) {
  v1::CrmAccount out;
  out.set_crm_account_id(a.id);
  out.set_name(a.name);
  return out;
}

v1::AccountMapping MappingToProto(absl::string_view portal_id, const AccountMapping& m) {
  v1::AccountMapping out;
  out.set_portal_id(std::string(portal_id));
  *out.mutable_client_account() = ClientToProto(m.client_account);
  *out.mutable_crm_account() = CrmToProto(m.crm_account);
  out.set_origin(m.origin == MappingOrigin::kAuto ? v1::MAPPING_ORIGIN_AUTO
                                                  : v1::MAPPING_ORIGIN_MANUAL);
  out.set_created_by(m.created_by);
  *out.mutable_create_time() = ToProtoTimestamp(m.create_time);
  return out;
}

v1::Deal DealToProto(const Deal& d) {
  v1::Deal out;
  out.set_crm_deal_id(d.deal.id);
  out.set_name(d.deal.name);
  out.set_crm_account_id(d.deal.crm_account_id);
  out.set_crm_account_name(d.crm_account_name);
  out.set_project_id(d.project_id);
  if (d.associate_time) *out.mutable_associate_time() = ToProtoTimestamp(*d.associate_time);
  return out;
}

v1::SideUser SideUserToProto(const SideUser& u) {
  v1::SideUser out;
  out.set_user_id(u.id);
  out.set_display_name(u.display_name);
  out.set_email(u.email);
  out.set_active(u.active);
  return out;
}

v1::User UserToProto(const User& u) {
  v1::User out;
  out.set_email(u.email_key);
  if (u.projects) *out.mutable_projects() = SideUserToProto(*u.projects);
  if (u.crm) *out.mutable_crm() = SideUserToProto(*u.crm);
  out.set_linked(u.linked());
  return out;
}

// The page size and the decoded position of a List* request.
struct Paging {
  int limit = 0;
  std::optional<std::vector<std::string>> after;
};

absl::StatusOr<Paging> PagingOf(int page_size, const std::string& page_token,
                                absl::string_view filter, size_t key_size) {
  Paging paging;
  ASSIGN_OR_RETURN(paging.limit, EffectivePageSize(page_size));
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(paging.after, DecodePageToken(page_token, filter, key_size));
  }
  return paging;
}

}  // namespace

v1::Portal ToProto(const Portal& portal) {
  v1::Portal out;
  const PortalSettings& s = portal.settings;
  out.set_portal_id(s.portal_id);
  out.set_name(s.name);
  out.set_crm_org_id(s.crm_org_id);
  const ValueMaps maps = EffectiveValueMaps(s.value_maps);
  auto& m = *out.mutable_value_maps();
  EntriesToProto(maps.crm_priorities, m.mutable_crm_priorities());
  EntriesToProto(maps.projects_priorities, m.mutable_projects_priorities());
  EntriesToProto(maps.crm_statuses, m.mutable_crm_statuses());
  EntriesToProto(maps.projects_statuses, m.mutable_projects_statuses());
  *out.mutable_create_time() = ToProtoTimestamp(portal.create_time);
  *out.mutable_update_time() = ToProtoTimestamp(portal.update_time);
  out.set_rejection_policy(
      static_cast<v1::RejectionPolicy>(EffectiveRejectionPolicy(s.rejection_policy)));
  return out;
}

PortalSettings SettingsFromProto(const v1::Portal& p) {
  PortalSettings s;
  s.portal_id = p.portal_id();
  s.name = p.name();
  s.crm_org_id = p.crm_org_id();
  s.rejection_policy = static_cast<RejectionPolicy>(p.rejection_policy());
  for (const auto& e : p.value_maps().crm_priorities()) {
    s.value_maps.crm_priorities.push_back(
        {e.side_value(), static_cast<Priority>(e.priority()), e.write()});
  }
  for (const auto& e : p.value_maps().projects_priorities()) {
    s.value_maps.projects_priorities.push_back(
        {e.side_value(), static_cast<Priority>(e.priority()), e.write()});
  }
  for (const auto& e : p.value_maps().crm_statuses()) {
    s.value_maps.crm_statuses.push_back(
        {e.side_value(), static_cast<TaskStatus>(e.status()), e.write()});
  }
  for (const auto& e : p.value_maps().projects_statuses()) {
    s.value_maps.projects_statuses.push_back(
        {e.side_value(), static_cast<TaskStatus>(e.status()), e.write()});
  }
  return s;
}

grpc::Status MappingServer::GetPortal(grpc::ServerContext* context,
                                      const v1::GetPortalRequest* request,
                                      v1::GetPortalResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (auto status = ValidateId(request->portal_id(), "portal_id"); !status.ok()) {
    return Invalid(status);
  }
  const absl::Time now = clock_.Now();
  {
    absl::ReaderMutexLock lock(&cache_mutex_);
    if (auto it = portal_cache_.find(request->portal_id());
        it != portal_cache_.end() && now < it->second.expiry) {
      *response->mutable_portal() = it->second.portal;
      return grpc::Status::OK;
    }
  }
  if (!ready_()) return NotReady();
  auto portal = store_.GetPortal(request->portal_id(), CallerDeadline(*context));
  if (!portal.ok()) return ToGrpcStatus(portal.status());
  *response->mutable_portal() = ToProto(*portal);
  if (portal_cache_ttl_ > absl::ZeroDuration()) {
    absl::MutexLock lock(&cache_mutex_);
    portal_cache_[request->portal_id()] = {response->portal(), now + portal_cache_ttl_};
  }
  return grpc::Status::OK;
}

grpc::Status MappingServer::UpsertPortal(grpc::ServerContext* context,
                                         const v1::UpsertPortalRequest* request,
                                         v1::UpsertPortalResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  const PortalSettings settings = SettingsFromProto(request->portal());
  if (auto status = ValidatePortalSettings(settings); !status.ok()) return Invalid(status);
  auto result = store_.UpsertPortal(settings, clock_.Now(), CallerDeadline(*context));
  if (!result.ok()) return ToGrpcStatus(result.status());
  {
    absl::MutexLock lock(&cache_mutex_);
    portal_cache_.erase(settings.portal_id);
  }
  *response->mutable_portal() = ToProto(result->portal);
  response->set_created(result->created);
  LogInfo(result->created ? "portal created" : "portal replaced",
          {{"portal_id", settings.portal_id}});
  return grpc::Status::OK;
}

grpc::Status MappingServer::ListPortals(grpc::ServerContext* context,
                                        const v1::ListPortalsRequest* request,
                                        v1::ListPortalsResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  constexpr absl::string_view kFilter = "ListPortals";
  auto paging = PagingOf(request->page_size(), request->page_token(), kFilter, 1);
  if (!paging.ok()) return Invalid(paging.status());
  auto portals = store_.ListPortals(paging->after ? (*paging->after)[0] : std::string(),
                                    paging->limit + 1, CallerDeadline(*context));
  if (!portals.ok()) return ToGrpcStatus(portals.status());
  const bool more = static_cast<int>(portals->size()) > paging->limit;
  if (more) portals->pop_back();
  for (const Portal& p : *portals) *response->add_portals() = ToProto(p);
  if (more) {
    response->set_next_page_token(EncodePageToken(kFilter, {portals->back().settings.portal_id}));
  }
  return grpc::Status::OK;
}

grpc::Status MappingServer::GetProject(grpc::ServerContext* context,
                                       const v1::GetProjectRequest* request,
                                       v1::GetProjectResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto s = ValidateId(request->portal_id(), "portal_id"); !s.ok()) return Invalid(s);
  if (auto s = ValidateId(request->project_id(), "project_id"); !s.ok()) return Invalid(s);
  auto view =
      store_.GetProject(request->portal_id(), request->project_id(), CallerDeadline(*context));
  if (!view.ok()) return ToGrpcStatus(view.status());
  v1::Project& p = *response->mutable_project();
  p.set_project_id(view->project.id);
  p.set_name(view->project.name);
  if (view->client_account) *p.mutable_client_account() = ClientToProto(*view->client_account);
  if (view->mapped_crm_account) {
    *p.mutable_mapped_crm_account() = CrmToProto(*view->mapped_crm_account);
  }
  *p.mutable_start_date() = ToProtoDate(view->project.start_date);
  *p.mutable_end_date() = ToProtoDate(view->project.end_date);
  p.set_strict_schedule(view->project.strict);
  *p.mutable_update_time() = ToProtoTimestamp(view->update_time);
  return grpc::Status::OK;
}

grpc::Status MappingServer::ListAccountCandidates(grpc::ServerContext* context,
                                                  const v1::ListAccountCandidatesRequest* request,
                                                  v1::ListAccountCandidatesResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto s = ValidateId(request->portal_id(), "portal_id"); !s.ok()) return Invalid(s);
  if (!request->client_account_id().empty()) {
    if (auto s = ValidateId(request->client_account_id(), "client_account_id"); !s.ok()) {
      return Invalid(s);
    }
  }
  const std::string filter = absl::StrCat("ListAccountCandidates\n", request->portal_id(), "\n",
                                          request->client_account_id());
  auto paging = PagingOf(request->page_size(), request->page_token(), filter, 2);
  if (!paging.ok()) return Invalid(paging.status());
  std::optional<AccountPosition> after;
  if (paging->after) after = AccountPosition{(*paging->after)[0], (*paging->after)[1]};
  const absl::Time start = clock_.Now();
  auto page = store_.ListCandidates(request->portal_id(), request->client_account_id(), after,
                                    paging->limit + 1, CallerDeadline(*context));
  metrics_.CandidateLookup(clock_.Now() - start);
  if (!page.ok()) return ToGrpcStatus(page.status());
  const bool more = static_cast<int>(page->client_accounts.size()) > paging->limit;
  std::string extra;  // the client account fetched only to learn that another page follows
  if (more) {
    extra = page->client_accounts.back().account.id;
    page->client_accounts.pop_back();
  }
  for (const AccountMapping& m : page->mapped) {
    if (m.client_account.id != extra)
      *response->add_mapped() = MappingToProto(request->portal_id(), m);
  }
  for (const AccountCandidate& c : page->unmapped) {
    if (c.client_account.id == extra) continue;
    auto* out = response->add_unmapped();
    *out->mutable_client_account() = ClientToProto(c.client_account);
    *out->mutable_crm_account() = CrmToProto(c.crm_account);
    out->set_match_key(c.match_key);
  }
  if (more) {
    const auto& last = page->client_accounts.back();
    response->set_next_page_token(EncodePageToken(filter, {last.match_key, last.account.id}));
  }
  return grpc::Status::OK;
}

grpc::Status MappingServer::MapAccount(grpc::ServerContext* context,
                                       const v1::MapAccountRequest* request,
                                       v1::MapAccountResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto s = ValidateId(request->portal_id(), "portal_id"); !s.ok()) return Invalid(s);
  if (auto s = ValidateId(request->client_account_id(), "client_account_id"); !s.ok()) {
    return Invalid(s);
  }
  if (auto s = ValidateId(request->crm_account_id(), "crm_account_id"); !s.ok()) {
    return Invalid(s);
  }
  auto mapping = store_.MapAccount(request->portal_id(), request->client_account_id(),
                                   request->crm_account_id(), CallerName(context), clock_.Now(),
                                   CallerDeadline(*context));
  if (!mapping.ok()) return ToGrpcStatus(mapping.status());
  metrics_.Mapped(MappingOrigin::kManual);
  *response->mutable_mapping() = MappingToProto(request->portal_id(), *mapping);
  LogInfo("account mapped", {{"portal_id", request->portal_id()},
                             {"client_account_id", request->client_account_id()},
                             {"crm_account_id", request->crm_account_id()}});
  return grpc::Status::OK;
}

grpc::Status MappingServer::UnmapAccount(grpc::ServerContext* context,
                                         const v1::UnmapAccountRequest* request,
                                         v1::UnmapAccountResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto s = ValidateId(request->portal_id(), "portal_id"); !s.ok()) return Invalid(s);
  if (auto s = ValidateId(request->client_account_id(), "client_account_id"); !s.ok()) {
    return Invalid(s);
  }
  auto mapping = store_.UnmapAccount(request->portal_id(), request->client_account_id(),
                                     CallerDeadline(*context));
  if (!mapping.ok()) return ToGrpcStatus(mapping.status());
  *response->mutable_mapping() = MappingToProto(request->portal_id(), *mapping);
  LogInfo("account unmapped", {{"portal_id", request->portal_id()},
                               {"client_account_id", request->client_account_id()}});
  return grpc::Status::OK;
}

grpc::Status MappingServer::AutoMapAccounts(grpc::ServerContext* context,
                                            const v1::AutoMapAccountsRequest* request,
                                            v1::AutoMapAccountsResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto s = ValidateId(request->portal_id(), "portal_id"); !s.ok()) return Invalid(s);
  auto result = store_.AutoMapAccounts(request->portal_id(), request->dry_run(),
                                       CallerName(context), clock_.Now(), CallerDeadline(*context));
  if (!result.ok()) return ToGrpcStatus(result.status());
  if (!request->dry_run()) {
    metrics_.Mapped(MappingOrigin::kAuto, static_cast<int>(result->mapped.size()));
  }
  for (const AccountMapping& m : result->mapped) {
    *response->add_mapped() = MappingToProto(request->portal_id(), m);
  }
  for (const AmbiguousKey& key : result->plan.ambiguous) {
    auto* out = response->add_ambiguous();
    out->set_match_key(key.match_key);
    for (const Account& a : key.client_accounts) *out->add_client_accounts() = ClientToProto(a);
    for (const Account& a : key.crm_accounts) *out->add_crm_accounts() = CrmToProto(a);
  }
  response->set_already_mapped_count(result->already_mapped);
  response->set_unmatched_count(result->plan.unmatched);
  LogInfo("accounts auto-mapped", {{"portal_id", request->portal_id()},
                                   {"dry_run", request->dry_run()},
                                   {"mapped", result->mapped.size()},
                                   {"ambiguous", result->plan.ambiguous.size()}});
  return grpc::Status::OK;
}

grpc::Status MappingServer::ListProjectDeals(grpc::ServerContext* context,
                                             const v1::ListProjectDealsRequest* request,
                                             v1::ListProjectDealsResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto s = ValidateId(request->portal_id(), "portal_id"); !s.ok()) return Invalid(s);
  if (auto s = ValidateId(request->project_id(), "project_id"); !s.ok()) return Invalid(s);
  const std::string filter =
      absl::StrCat("ListProjectDeals\n", request->portal_id(), "\n", request->project_id());
  auto paging = PagingOf(request->page_size(), request->page_token(), filter, 2);
  if (!paging.ok()) return Invalid(paging.status());
  std::optional<DealPosition> after;
  if (paging->after) after = DealPosition{(*paging->after)[0], (*paging->after)[1]};
  auto deals = store_.ListProjectDeals(request->portal_id(), request->project_id(), after,
                                       paging->limit + 1, CallerDeadline(*context));
  if (!deals.ok()) return ToGrpcStatus(deals.status());
  const bool more = static_cast<int>(deals->size()) > paging->limit;
  if (more) deals->pop_back();
  for (const Deal& d : *deals) *response->add_deals() = DealToProto(d);
  if (more) {
    response->set_next_page_token(
        EncodePageToken(filter, {deals->back().deal.name, deals->back().deal.id}));
  }
  return grpc::Status::OK;
}

grpc::Status MappingServer::MapDealToProject(grpc::ServerContext* context,
                                             const v1::MapDealToProjectRequest* request,
                                             v1::MapDealToProjectResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto s = ValidateId(request->portal_id(), "portal_id"); !s.ok()) return Invalid(s);
  if (auto s = ValidateId(request->crm_deal_id(), "crm_deal_id"); !s.ok()) return Invalid(s);
  if (auto s = ValidateId(request->project_id(), "project_id"); !s.ok()) return Invalid(s);
  auto deal =
      store_.MapDealToProject(request->portal_id(), request->crm_deal_id(), request->project_id(),
                              clock_.Now(), CallerDeadline(*context));
  if (!deal.ok()) return ToGrpcStatus(deal.status());
  *response->mutable_deal() = DealToProto(*deal);
  return grpc::Status::OK;
}

grpc::Status MappingServer::UnmapDeal(grpc::ServerContext* context,
                                      const v1::UnmapDealRequest* request,
                                      v1::UnmapDealResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto s = ValidateId(request->portal_id(), "portal_id"); !s.ok()) return Invalid(s);
  if (auto s = ValidateId(request->crm_deal_id(), "crm_deal_id"); !s.ok()) return Invalid(s);
  auto deal =
      store_.UnmapDeal(request->portal_id(), request->crm_deal_id(), CallerDeadline(*context));
  if (!deal.ok()) return ToGrpcStatus(deal.status());
  *response->mutable_deal() = DealToProto(*deal);
  return grpc::Status::OK;
}

grpc::Status MappingServer::LookupUser(grpc::ServerContext* context,
                                       const v1::LookupUserRequest* request,
                                       v1::LookupUserResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto s = ValidateId(request->portal_id(), "portal_id"); !s.ok()) return Invalid(s);
  absl::StatusOr<User> user;
  switch (request->key_case()) {
    case v1::LookupUserRequest::kById: {
      const auto& by_id = request->by_id();
      if (by_id.side() != common::v1::SIDE_CRM && by_id.side() != common::v1::SIDE_PROJECTS) {
        return Invalid(absl::InvalidArgumentError(
            absl::StrCat("by_id.side: must be SIDE_CRM or SIDE_PROJECTS, not ", by_id.side())));
      }
      if (auto s = ValidateId(by_id.user_id(), "by_id.user_id"); !s.ok()) return Invalid(s);
      user = store_.LookupUserById(
          request->portal_id(), by_id.side() == common::v1::SIDE_CRM ? Side::kCrm : Side::kProjects,
          by_id.user_id(), CallerDeadline(*context));
      break;
    }
    case v1::LookupUserRequest::kEmail: {
      auto key = ValidateEmail(request->email(), "email");
      if (!key.ok()) return Invalid(key.status());
      user = store_.LookupUserByEmail(request->portal_id(), *key, CallerDeadline(*context));
      break;
    }
    case v1::LookupUserRequest::KEY_NOT_SET:
      return Invalid(absl::InvalidArgumentError("key: by_id or email is required"));
  }
  if (!user.ok()) return ToGrpcStatus(user.status());
  *response->mutable_user() = UserToProto(*user);
  return grpc::Status::OK;
}

grpc::Status MappingServer::ListUsers(grpc::ServerContext* context,
                                      const v1::ListUsersRequest* request,
                                      v1::ListUsersResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto s = ValidateId(request->portal_id(), "portal_id"); !s.ok()) return Invalid(s);
  LinkFilter filter;
  switch (static_cast<int>(request->link_filter())) {
    case v1::LINK_FILTER_UNSPECIFIED:
      filter = LinkFilter::kAll;
      break;
    case v1::LINK_FILTER_LINKED:
      filter = LinkFilter::kLinked;
      break;
    case v1::LINK_FILTER_UNLINKED:
      filter = LinkFilter::kUnlinked;
      break;
    default:
      return Invalid(absl::InvalidArgumentError(
          absl::StrCat("link_filter: unknown value ", request->link_filter())));
  }
  const std::string token_filter =
      absl::StrCat("ListUsers\n", request->portal_id(), "\n", request->link_filter());
  auto paging = PagingOf(request->page_size(), request->page_token(), token_filter, 1);
  if (!paging.ok()) return Invalid(paging.status());
  auto users = store_.ListUsers(request->portal_id(), filter,
                                paging->after ? (*paging->after)[0] : std::string(),
                                paging->limit + 1, CallerDeadline(*context));
  if (!users.ok()) return ToGrpcStatus(users.status());
  const bool more = static_cast<int>(users->size()) > paging->limit;
  if (more) users->pop_back();
  for (const User& u : *users) *response->add_users() = UserToProto(u);
  if (more) response->set_next_page_token(EncodePageToken(token_filter, {users->back().email_key}));
  return grpc::Status::OK;
}

grpc::Status MappingServer::ImportDirectory(grpc::ServerContext* context,
                                            const v1::ImportDirectoryRequest* request,
                                            v1::ImportDirectoryResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (!ready_()) return NotReady();
  if (auto s = ValidateId(request->portal_id(), "portal_id"); !s.ok()) return Invalid(s);
  std::set<DirectoryPart> parts;
  for (int i = 0; i < request->parts_size(); ++i) {
    const int part = request->parts(i);
    if (part < static_cast<int>(DirectoryPart::kClientAccounts) ||
        part > static_cast<int>(DirectoryPart::kCrmUsers)) {
      return Invalid(absl::InvalidArgumentError(absl::StrCat(
          "parts[", i, "]: ", part == 0 ? "DIRECTORY_PART_UNSPECIFIED" : "unknown part ",
          part == 0 ? "" : absl::StrCat(part))));
    }
    parts.insert(static_cast<DirectoryPart>(part));
  }
  if (parts.empty()) {
    for (int part = 1; part <= static_cast<int>(DirectoryPart::kCrmUsers); ++part) {
      parts.insert(static_cast<DirectoryPart>(part));
    }
  }
  if (importer_ == nullptr) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "no auth service is configured (--auth_address), so there are no tokens "
                        "to read Zoho with");
  }
  auto counts = importer_->Import(request->portal_id(), {parts.begin(), parts.end()},
                                  CallerDeadline(*context));
  if (!counts.ok()) return ToGrpcStatus(counts.status());
  for (const ImportCount& c : *counts) {
    auto* out = response->add_counts();
    out->set_part(static_cast<v1::DirectoryPart>(c.part));
    out->set_fetched(c.fetched);
    out->set_created(c.created);
    out->set_updated(c.updated);
    out->set_removed(c.removed);
  }
  *response->mutable_finish_time() = ToProtoTimestamp(clock_.Now());
  return grpc::Status::OK;
}

}  // namespace crmsync::mapping

#include "services/sync/mapping_reads.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/grpc_server/status.h"

namespace crmsync::sync {
namespace {

// mapping answers from its memory or one indexed read.
constexpr absl::Duration kCallTimeout = absl::Seconds(5);
// ListProjectDeals' largest page.
constexpr int kMaxDealsPage = 500;

// The caller's deadline may come sooner, and mapping bounds its own work by it.
void SetDeadline(grpc::ClientContext& context, absl::Time deadline) {
  context.set_deadline(absl::ToChronoTime(std::min(absl::Now() + kCallTimeout, deadline)));
}

// A mapping failure as the pipeline reports it: the caller may retry what was not answered.
absl::Status MappingError(const grpc::Status& status, absl::Time deadline) {
  const absl::Status s = FromGrpcStatus(status);
  if (CallerDeadlinePassed(s, deadline)) return s;
  if (absl::IsDeadlineExceeded(s) || absl::IsUnavailable(s)) {
    return absl::UnavailableError(absl::StrCat("mapping did not answer: ", s.message()));
  }
  return s;
}

std::vector<PriorityEntry> Priorities(
    const google::protobuf::RepeatedPtrField<mapping::v1::PriorityValue>& values) {
  std::vector<PriorityEntry> out;
  for (const auto& v : values) {
    out.push_back({v.side_value(), static_cast<Priority>(v.priority()), v.write()});
  }
  return out;
}

std::vector<StatusEntry> Statuses(
    const google::protobuf::RepeatedPtrField<mapping::v1::StatusValue>& values) {
  std::vector<StatusEntry> out;
  for (const auto& v : values) {
    out.push_back({v.side_value(), static_cast<TaskStatus>(v.status()), v.write()});
  }
  return out;
}

}  // namespace

MappingReads::MappingReads(std::shared_ptr<grpc::Channel> mapping, const Clock& clock,
                           absl::Duration portal_ttl)
    : stub_(mapping::v1::MappingService::NewStub(std::move(mapping))),
      clock_(clock),
      portal_ttl_(portal_ttl) {}

absl::StatusOr<PortalConfig> MappingReads::Get(absl::string_view portal_id, absl::Time deadline) {
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock lock(&mutex_);
    auto it = portals_.find(portal_id);
    if (it != portals_.end() && it->second.expiry > now) return it->second.config;
  }
  mapping::v1::GetPortalRequest request;
  request.set_portal_id(std::string(portal_id));
  mapping::v1::GetPortalResponse response;
  grpc::ClientContext context;
  SetDeadline(context, deadline);
  if (grpc::Status status = stub_->GetPortal(&context, request, &response); !status.ok()) {
    return MappingError(status, deadline);
  }
  const mapping::v1::ValueMaps& maps = response.portal().value_maps();
  PortalConfig config;
  config.value_maps = {Priorities(maps.crm_priorities()), Priorities(maps.projects_priorities()),
                       Statuses(maps.crm_statuses()), Statuses(maps.projects_statuses())};
  config.rejection_policy =
      response.portal().rejection_policy() == mapping::v1::REJECTION_POLICY_REPORT_AND_RESTORE
          ? RejectionPolicy::kReportAndRestore
          : RejectionPolicy::kReportOnly;
  absl::MutexLock lock(&mutex_);
  portals_[portal_id] = {config, now + portal_ttl_};
  return config;
}

absl::StatusOr<std::optional<Owner>> MappingReads::OwnerById(absl::string_view portal_id, Side side,
                                                             absl::string_view user_id,
                                                             absl::Time deadline) {
  mapping::v1::LookupUserRequest request;
  request.set_portal_id(std::string(portal_id));
  request.mutable_by_id()->set_side(static_cast<common::v1::Side>(side));
  request.mutable_by_id()->set_user_id(std::string(user_id));
  mapping::v1::LookupUserResponse response;
  grpc::ClientContext context;
  SetDeadline(context, deadline);
  const grpc::Status status = stub_->LookupUser(&context, request, &response);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return std::nullopt;
  if (!status.ok()) return MappingError(status, deadline);
  const mapping::v1::User& user = response.user();
  const mapping::v1::SideUser& on_origin = side == Side::kCrm ? user.crm() : user.projects();
  if (on_origin.user_id() != user_id) return std::nullopt;
  return Owner{user.email(), user.crm().user_id(), user.projects().user_id(),
               on_origin.display_name()};
}

absl::StatusOr<DirectoryProject> MappingReads::Project(absl::string_view portal_id,
                                                       absl::string_view project_id,
                                                       absl::Time deadline) {
  mapping::v1::GetProjectRequest request;
  request.set_portal_id(std::string(portal_id));
  request.set_project_id(std::string(project_id));
  mapping::v1::GetProjectResponse response;
  grpc::ClientContext context;
  SetDeadline(context, deadline);
  if (grpc::Status status = stub_->GetProject(&context, request, &response); !status.ok()) {
    return MappingError(status, deadline);
  }
  const mapping::v1::Project& project = response.project();
  return DirectoryProject{
      project.name(), project.client_account().client_account_id(), project.client_account().name(),
      project.mapped_crm_account().crm_account_id(), project.mapped_crm_account().name()};
}

absl::StatusOr<std::vector<std::string>> MappingReads::ProjectDealIds(absl::string_view portal_id,
                                                                      absl::string_view project_id,
                                                                      absl::Time deadline) {
  mapping::v1::ListProjectDealsRequest request;
  request.set_portal_id(std::string(portal_id));
  request.set_project_id(std::string(project_id));
  request.set_page_size(kMaxDealsPage);
  std::vector<std::string> ids;
  do {
    mapping::v1::ListProjectDealsResponse response;
    grpc::ClientContext context;
    SetDeadline(context, deadline);
    if (grpc::Status status = stub_->ListProjectDeals(&context, request, &response); !status.ok()) {
      return MappingError(status, deadline);
    }
    for (const mapping::v1::Deal& deal : response.deals()) ids.push_back(deal.crm_deal_id());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return ids;
}

}  // namespace crmsync::sync

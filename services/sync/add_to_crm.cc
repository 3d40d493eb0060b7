#include "services/sync/add_to_crm.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/common/ids.h"
#include "libs/common/status_macros.h"
#include "services/sync/change/projects_task.h"
#include "services/sync/change/validation.h"
#include "services/sync/outbox.h"

namespace crmsync::sync {
namespace {

absl::Status AlreadyLinked(const AddToCrmRequest& request, const std::optional<StoredTask>& task) {
  std::string to = "to a CRM task";
  if (task && task->link.state == LinkState::kPendingCreate) {
    to = "to a CRM task that is being created";
  } else if (task && !task->link.crm_task_id.empty()) {
    to = absl::StrCat("to CRM task ", task->link.crm_task_id);
  }
  return absl::AlreadyExistsError(absl::StrCat(
      "projects_task_id: Projects task ", request.projects_task_id, " is already linked ", to));
}

}  // namespace

absl::Status ValidateAddToCrm(const AddToCrmRequest& request) {
  RETURN_IF_ERROR(CheckRecordId("portal_id", request.portal_id));
  RETURN_IF_ERROR(CheckRecordId("project_id", request.project_id));
  RETURN_IF_ERROR(CheckRecordId("projects_task_id", request.projects_task_id));
  RETURN_IF_ERROR(ValidateActor(request.actor, "actor", /*required=*/false));
  switch (request.crm_module) {
    case CrmModule::kAccounts:
      return CheckRecordId("crm_account_id", request.crm_record_id);
    case CrmModule::kDeals:
      return CheckRecordId("crm_deal_id", request.crm_record_id);
    case CrmModule::kUnspecified:
      break;
  }
  return absl::InvalidArgumentError("target: crm_account_id or crm_deal_id is required");
}

absl::Status AddToCrm::CheckTarget(const AddToCrmRequest& request, const DirectoryProject& project,
                                   absl::Time deadline) {
  const std::string of_project =
      absl::StrCat("project ", project.name, " (", request.project_id, ")");
  if (project.client_account_id.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "The ", of_project, " has no client account, so its tasks cannot be added to CRM"));
  }
  if (project.mapped_crm_account_id.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "The client account ", project.client_account_name, " (", project.client_account_id,
        ") of the ", of_project, " is not mapped to a CRM account; map it first"));
  }
  if (request.crm_module == CrmModule::kAccounts) {
    if (request.crm_record_id == project.mapped_crm_account_id) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(
        "crm_account_id: CRM account ", request.crm_record_id, " is not the account mapped to the ",
        of_project, "'s client account ", project.client_account_name, " (",
        project.mapped_crm_account_name, ", ", project.mapped_crm_account_id, ")"));
  }
  ASSIGN_OR_RETURN(const std::vector<std::string> deals,
                   directory_.ProjectDealIds(request.portal_id, request.project_id, deadline));
  if (std::find(deals.begin(), deals.end(), request.crm_record_id) != deals.end()) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat("crm_deal_id: CRM deal ", request.crm_record_id,
                                                    " is not associated with the ", of_project));
}

absl::StatusOr<TaskLink> AddToCrm::Add(const AddToCrmRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(const PortalConfig portal, portals_.Get(request.portal_id, deadline));
  ASSIGN_OR_RETURN(
      const std::optional<StoredTask> linked,
      store_.ReadTask(request.portal_id, Side::kProjects, request.projects_task_id, deadline));
  if (linked) return AlreadyLinked(request, linked);
  ASSIGN_OR_RETURN(const DirectoryProject project,
                   directory_.Project(request.portal_id, request.project_id, deadline));
  RETURN_IF_ERROR(CheckTarget(request, project, deadline));
  RETURN_IF_ERROR(grants_.CheckActive(request.portal_id, Side::kCrm, deadline));

  ASSIGN_OR_RETURN(const std::optional<ProjectsTaskValues> task,
                   projects_.CurrentTask(request.portal_id, request.project_id,
                                         request.projects_task_id, deadline));
  if (!task) {
    return absl::NotFoundError(absl::StrCat("projects_task_id: Zoho Projects has no task ",
                                            request.projects_task_id, " in project ", project.name,
                                            " (", request.project_id, ")"));
  }
  std::optional<Owner> linked_owner;
  if (task->owner) {
    ASSIGN_OR_RETURN(linked_owner, users_.OwnerById(request.portal_id, Side::kProjects,
                                                    task->owner->user_id, deadline));
  }
  ASSIGN_OR_RETURN(
      CanonicalTask canonical,
      CanonicalFromProjects(*task, portal.value_maps, OwnerOfProjectsTask(*task, linked_owner),
                            kAddToCrmEventId));

  TaskLink link;
  link.portal_id = request.portal_id;
  link.project_id = request.project_id;
  link.projects_task_id = request.projects_task_id;
  link.crm_module = request.crm_module;
  link.crm_record_id = request.crm_record_id;
  link.projects_parent_task_id = task->parent_task_id;
  link.state = LinkState::kPendingCreate;
  const absl::Time now = clock_.Now();
  OutboxWrite create;
  create.kind = OutboxKind::kCreateTask;
  create.target_side = Side::kCrm;
  create.origin_side = Side::kProjects;
  create.actor = request.actor;
  create.accept_time = now;
  absl::StatusOr<TaskLink> created =
      store_.CreateLinkAndQueue(link, canonical, create, now, deadline);
  // Linked by a concurrent request since the read above.
  if (absl::IsAlreadyExists(created.status())) return AlreadyLinked(request, std::nullopt);
  return created;
}

}  // namespace crmsync::sync

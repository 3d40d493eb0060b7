#include "services/sync/projects_reads.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/grpc_server/status.h"
#include "services/sync/auth_reads.h"

namespace crmsync::sync {
namespace {

// A token-source failure: no usable grant is the portal's state; anything else may pass.
absl::Status TokenError(absl::string_view portal_id, const absl::Status& status,
                        absl::Time deadline) {
  if (CallerDeadlinePassed(status, deadline)) return status;
  if (NoUsableGrant(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat("portal ", portal_id,
                     " has no ACTIVE Zoho Projects grant sync can read with: ", status.message()));
  }
  return absl::UnavailableError(absl::StrCat("auth did not give a token: ", status.message()));
}

// A Zoho failure of the read `what`: the change is not guessed; the caller may retry later.
absl::Status ReadError(absl::string_view what, const absl::Status& status, absl::Time deadline) {
  if (CallerDeadlinePassed(status, deadline)) {
    return absl::DeadlineExceededError(
        absl::StrCat("the deadline passed reading ", what, " from Zoho Projects"));
  }
  if (absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Zoho Projects refused the portal's grant reading ", what, ": ", status.message()));
  }
  if (absl::IsNotFound(status)) {
    return absl::FailedPreconditionError(
        absl::StrCat("Zoho Projects has no ", what, ": ", status.message()));
  }
  return absl::UnavailableError(absl::StrCat("Zoho Projects could not be read (", what,
                                             "); retry later: ", status.message()));
}

// Open or closed, as the task's status type (or its completed flag) says.
TaskStatus StatusTypeOf(const zoho::ProjectsTask& task) {
  return task.completed || task.status.type == "closed" ? TaskStatus::kClosed : TaskStatus::kOpen;
}

}  // namespace

ZohoProjectsState::ZohoProjectsState(ZohoCaller& caller, std::string projects_base_url)
    : caller_(caller), projects_base_url_(std::move(projects_base_url)) {}

template <typename T>
absl::StatusOr<T> ZohoProjectsState::WithToken(
    absl::string_view portal_id, absl::string_view what, absl::Time deadline,
    const std::function<absl::StatusOr<T>(zoho::ProjectsClient&, const std::string&)>& read) {
  const std::vector<std::string> scopes(std::begin(kRuleReadScopes), std::end(kRuleReadScopes));
  ZohoCallResult<T> result =
      caller_.Run<T>(portal_id, Side::kProjects, scopes, deadline,
                     [&](http::HttpClient& http, const ApiToken& token) -> absl::StatusOr<T> {
                       zoho::ProjectsClient projects(http, projects_base_url_);
                       return read(projects, token.access_token);
                     });
  if (result.no_token) return TokenError(portal_id, result.value.status(), deadline);
  if (!result.value.ok()) return ReadError(what, result.value.status(), deadline);
  return std::move(result.value);
}

absl::StatusOr<ProjectSchedule> ZohoProjectsState::Schedule(absl::string_view portal_id,
                                                            absl::string_view project_id,
                                                            absl::Time deadline) {
  return WithToken<ProjectSchedule>(
      portal_id, absl::StrCat("project ", project_id), deadline,
      [&](zoho::ProjectsClient& projects,
          const std::string& token) -> absl::StatusOr<ProjectSchedule> {
        auto project = projects.GetProject(token, portal_id, project_id);
        if (!project.ok()) return project.status();
        return ProjectSchedule{project->name, project->start_date, project->end_date,
                               project->strict};
      });
}

absl::StatusOr<ParentTask> ZohoProjectsState::Task(absl::string_view portal_id,
                                                   absl::string_view project_id,
                                                   absl::string_view task_id, absl::Time deadline) {
  return WithToken<ParentTask>(
      portal_id, absl::StrCat("task ", task_id), deadline,
      [&](zoho::ProjectsClient& projects, const std::string& token) -> absl::StatusOr<ParentTask> {
        auto task = projects.GetTask(token, portal_id, project_id, task_id);
        if (!task.ok()) return task.status();
        return ParentTask{task->name, StatusTypeOf(*task)};
      });
}

absl::StatusOr<std::optional<ProjectsTaskValues>> ZohoProjectsState::CurrentTask(
    absl::string_view portal_id, absl::string_view project_id, absl::string_view task_id,
    absl::Time deadline) {
  using Result = std::optional<ProjectsTaskValues>;
  return WithToken<Result>(
      portal_id, absl::StrCat("task ", task_id), deadline,
      [&](zoho::ProjectsClient& projects, const std::string& token) -> absl::StatusOr<Result> {
        auto task = projects.GetTask(token, portal_id, project_id, task_id);
        if (absl::IsNotFound(task.status())) return std::nullopt;
        if (!task.ok()) return task.status();
        ProjectsTaskValues values;
        values.name = task->name;
        values.description = task->description.value_or("");
        values.end_date = task->end_date;
        values.priority = task->priority;
        values.status_name = task->status.name;
        values.status_type = StatusTypeOf(*task);
        if (!task->owners.empty()) {
          const zoho::ProjectsUser& owner = task->owners.front();
          values.owner = ProjectsOwner{owner.id, owner.name, owner.email.value_or("")};
        }
        values.parent_task_id = task->parent_task_id.value_or("");
        values.last_modified = task->last_updated_time;
        return values;
      });
}

}  // namespace crmsync::sync

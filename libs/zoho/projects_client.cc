#include "libs/zoho/projects_client.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/zoho/api_error.h"
#include "libs/zoho/dates.h"

namespace crmsync::zoho {
namespace {

template <typename T>
using Parser = absl::StatusOr<T> (*)(const Json&, absl::string_view);

// The records under `key`; null (204) is an empty list.
template <typename T>
absl::StatusOr<std::vector<T>> ParseList(const Json& body, absl::string_view key, Parser<T> parse) {
  std::vector<T> records;
  if (body.is_null()) return records;
  ASSIGN_OR_RETURN(const Json* items, RequiredArray(body, key, ""));
  for (size_t i = 0; i < items->size(); ++i) {
    ASSIGN_OR_RETURN(T record, parse((*items)[i], absl::StrCat(key, "[", i, "]")));
    records.push_back(std::move(record));
  }
  return records;
}

template <typename T>
absl::StatusOr<T> ParseOne(const Json& body, absl::string_view key, Parser<T> parse) {
  ASSIGN_OR_RETURN(std::vector<T> records, ParseList<T>(body, key, parse));
  if (records.size() != 1) {
    return FieldError(key, absl::StrCat("expected one record, got ", records.size()));
  }
  return std::move(records.front());
}

absl::Status CheckIds(std::initializer_list<absl::string_view> ids) {
  for (absl::string_view id : ids) {
    if (id.empty() || id.find_first_not_of("0123456789") != absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("not a Projects id: \"", id, "\""));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckPage(int index, int range) {
  if (index < 1 || range < 1 || range > ProjectsClient::kMaxRange) {
    return absl::InvalidArgumentError("index must be >= 1 and range within 1..200");
  }
  return absl::OkStatus();
}

std::string ProjectPath(absl::string_view portal, absl::string_view project) {
  return absl::StrCat("/restapi/portal/", portal, "/projects/", project, "/");
}

std::string TaskPath(absl::string_view portal, absl::string_view project, absl::string_view task) {
  return absl::StrCat(ProjectPath(portal, project), "tasks/", task, "/");
}

}  // namespace

ProjectsClient::ProjectsClient(http::HttpClient& http, std::string base_url)
    : http_(http), base_url_(std::move(base_url)) {}

absl::StatusOr<Json> ProjectsClient::Call(http::Method method, absl::string_view token,
                                          const std::string& path, const http::Params& params) {
  http::Request request{.method = method};
  if (method == http::Method::kPost) {
    request.url = absl::StrCat(base_url_, path);
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.body = http::FormEncode(params);
  } else {
    request.url = http::WithQuery(absl::StrCat(base_url_, path), params);
  }
  AddZohoAuthorization(request, token);
  const std::string what = absl::StrCat("Projects ", http::MethodName(method), " ", path);
  ASSIGN_OR_RETURN(http::Response response, http_.Send(request));
  if (response.status == 204) return Json(nullptr);
  if (response.status < 200 || response.status > 299) return ErrorFromResponse(response, what);
  return ParseJson(response.body, what);
}

absl::StatusOr<std::vector<ProjectsPortal>> ProjectsClient::ListPortals(absl::string_view token) {
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kGet, token, "/restapi/portals/", {}));
  return ParseList<ProjectsPortal>(body, "portals", &ParseProjectsPortal);
}

absl::StatusOr<std::vector<ProjectsProject>> ProjectsClient::ListProjects(absl::string_view token,
                                                                          absl::string_view portal,
                                                                          int index, int range) {
  RETURN_IF_ERROR(CheckIds({portal}));
  RETURN_IF_ERROR(CheckPage(index, range));
  ASSIGN_OR_RETURN(
      Json body,
      Call(http::Method::kGet, token, absl::StrCat("/restapi/portal/", portal, "/projects/"),
           {{"index", absl::StrCat(index)}, {"range", absl::StrCat(range)}}));
  return ParseList<ProjectsProject>(body, "projects", &ParseProjectsProject);
}

absl::StatusOr<ProjectsProject> ProjectsClient::GetProject(absl::string_view token,
                                                           absl::string_view portal,
                                                           absl::string_view project) {
  RETURN_IF_ERROR(CheckIds({portal, project}));
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kGet, token, ProjectPath(portal, project), {}));
  return ParseOne<ProjectsProject>(body, "projects", &ParseProjectsProject);
}

absl::StatusOr<std::optional<ProjectsClientCompany>> ProjectsClient::GetProjectClient(
    absl::string_view token, absl::string_view portal, absl::string_view project) {
  RETURN_IF_ERROR(CheckIds({portal, project}));
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kGet, token,
                                   absl::StrCat(ProjectPath(portal, project), "clients/"), {}));
  ASSIGN_OR_RETURN(std::vector<ProjectsClientCompany> clients,
                   ParseList<ProjectsClientCompany>(body, "clients", &ParseProjectsClientCompany));
  if (clients.empty()) return std::optional<ProjectsClientCompany>();
  return std::optional<ProjectsClientCompany>(std::move(clients.front()));
}

absl::StatusOr<std::vector<ProjectsClientCompany>> ProjectsClient::ListClients(
    absl::string_view token, absl::string_view portal, int index, int range) {
  RETURN_IF_ERROR(CheckIds({portal}));
  RETURN_IF_ERROR(CheckPage(index, range));
  ASSIGN_OR_RETURN(
      Json body,
      Call(http::Method::kGet, token, absl::StrCat("/restapi/portal/", portal, "/clients/"),
           {{"index", absl::StrCat(index)}, {"range", absl::StrCat(range)}}));
  return ParseList<ProjectsClientCompany>(body, "clients", &ParseProjectsClientCompany);
}

absl::StatusOr<std::vector<ProjectsUser>> ProjectsClient::ListUsers(absl::string_view token,
                                                                    absl::string_view portal) {
  RETURN_IF_ERROR(CheckIds({portal}));
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kGet, token,
                                   absl::StrCat("/restapi/portal/", portal, "/users/"), {}));
  return ParseList<ProjectsUser>(body, "users", &ParseProjectsUser);
}

absl::StatusOr<std::vector<ProjectsTaskStatus>> ProjectsClient::ListTaskStatuses(
    absl::string_view token, absl::string_view portal, absl::string_view project) {
  RETURN_IF_ERROR(CheckIds({portal, project}));
  ASSIGN_OR_RETURN(
      Json body,
      Call(http::Method::kGet, token,
           absl::StrCat("/restapi/portal/", portal, "/projects/", project, "/tasklayouts"), {}));
  return ParseList<ProjectsTaskStatus>(body, "status_details", &ParseProjectsLayoutStatus);
}

absl::StatusOr<ProjectsTask> ProjectsClient::GetTask(absl::string_view token,
                                                     absl::string_view portal,
                                                     absl::string_view project,
                                                     absl::string_view task) {
  RETURN_IF_ERROR(CheckIds({portal, project, task}));
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kGet, token, TaskPath(portal, project, task), {}));
  return ParseOne<ProjectsTask>(body, "tasks", &ParseProjectsTask);
}

absl::StatusOr<std::vector<ProjectsTask>> ProjectsClient::TaskList(absl::string_view token,
                                                                   const std::string& path,
                                                                   const http::Params& query) {
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kGet, token, path, query));
  return ParseList<ProjectsTask>(body, "tasks", &ParseProjectsTask);
}

absl::StatusOr<std::vector<ProjectsTask>> ProjectsClient::ListTasks(absl::string_view token,
                                                                    absl::string_view portal,
                                                                    absl::string_view project,
                                                                    int index, int range) {
  RETURN_IF_ERROR(CheckIds({portal, project}));
  RETURN_IF_ERROR(CheckPage(index, range));
  return TaskList(token, absl::StrCat(ProjectPath(portal, project), "tasks/"),
                  {{"index", absl::StrCat(index)}, {"range", absl::StrCat(range)}});
}

absl::StatusOr<std::vector<ProjectsTask>> ProjectsClient::ListTasksModifiedSince(
    absl::string_view token, absl::string_view portal, absl::string_view project,
    absl::Time since) {
  RETURN_IF_ERROR(CheckIds({portal, project}));
  // The task list documents index, range, owner, status, time, priority and tasklist_id and no
  // sort (zoho.com/projects/help/rest-api/tasks-api.html, "All Tasks"), so nothing says where
  // the changed tasks are: every page is read and filtered on last_updated_time_long.
  std::vector<ProjectsTask> modified;
  for (int index = 1;; index += kMaxRange) {
    ASSIGN_OR_RETURN(std::vector<ProjectsTask> page, ListTasks(token, portal, project, index));
    const bool last_page = static_cast<int>(page.size()) < kMaxRange;
    for (ProjectsTask& task : page) {
      if (task.last_updated_time > since) modified.push_back(std::move(task));
    }
    if (last_page) return modified;
  }
}

absl::StatusOr<std::vector<ProjectsTask>> ProjectsClient::ListSubtasks(
    absl::string_view token, absl::string_view portal, absl::string_view project,
    absl::string_view parent_task) {
  RETURN_IF_ERROR(CheckIds({portal, project, parent_task}));
  return TaskList(token, absl::StrCat(TaskPath(portal, project, parent_task), "subtasks/"), {});
}

absl::StatusOr<ProjectsTask> ProjectsClient::CreateTask(absl::string_view token,
                                                        absl::string_view portal,
                                                        absl::string_view project,
                                                        const ProjectsTaskWrite& task,
                                                        std::optional<std::string> parent_task) {
  RETURN_IF_ERROR(CheckIds({portal, project}));
  if (parent_task.has_value()) RETURN_IF_ERROR(CheckIds({*parent_task}));
  if (!task.name.has_value() || task.name->empty()) {
    return absl::InvalidArgumentError("a new task needs a name");
  }
  ASSIGN_OR_RETURN(http::Params params, ProjectsTaskWriteToParams(task));
  const std::string path = parent_task.has_value()
                               ? absl::StrCat(TaskPath(portal, project, *parent_task), "subtasks/")
                               : absl::StrCat(ProjectPath(portal, project), "tasks/");
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kPost, token, path, params));
  return ParseOne<ProjectsTask>(body, "tasks", &ParseProjectsTask);
}

absl::StatusOr<ProjectsTask> ProjectsClient::UpdateTask(absl::string_view token,
                                                        absl::string_view portal,
                                                        absl::string_view project,
                                                        absl::string_view task,
                                                        const ProjectsTaskWrite& fields) {
  RETURN_IF_ERROR(CheckIds({portal, project, task}));
  ASSIGN_OR_RETURN(http::Params params, ProjectsTaskWriteToParams(fields));
  ASSIGN_OR_RETURN(Json body,
                   Call(http::Method::kPost, token, TaskPath(portal, project, task), params));
  return ParseOne<ProjectsTask>(body, "tasks", &ParseProjectsTask);
}

absl::Status ProjectsClient::DeleteTask(absl::string_view token, absl::string_view portal,
                                        absl::string_view project, absl::string_view task) {
  RETURN_IF_ERROR(CheckIds({portal, project, task}));
  return Call(http::Method::kDelete, token, TaskPath(portal, project, task), {}).status();
}

absl::StatusOr<std::vector<ProjectsComment>> ProjectsClient::ListComments(absl::string_view token,
                                                                          absl::string_view portal,
                                                                          absl::string_view project,
                                                                          absl::string_view task) {
  RETURN_IF_ERROR(CheckIds({portal, project, task}));
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kGet, token,
                                   absl::StrCat(TaskPath(portal, project, task), "comments/"), {}));
  return ParseList<ProjectsComment>(body, "comments", &ParseProjectsComment);
}

absl::StatusOr<ProjectsComment> ProjectsClient::AddComment(absl::string_view token,
                                                           absl::string_view portal,
                                                           absl::string_view project,
                                                           absl::string_view task,
                                                           const std::string& content) {
  RETURN_IF_ERROR(CheckIds({portal, project, task}));
  if (content.empty()) return absl::InvalidArgumentError("a comment needs content");
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kPost, token,
                                   absl::StrCat(TaskPath(portal, project, task), "comments/"),
                                   {{"content", content}}));
  return ParseOne<ProjectsComment>(body, "comments", &ParseProjectsComment);
}

absl::Status ProjectsClient::DeleteComment(absl::string_view token, absl::string_view portal,
                                           absl::string_view project, absl::string_view task,
                                           absl::string_view comment) {
  RETURN_IF_ERROR(CheckIds({portal, project, task, comment}));
  return Call(http::Method::kDelete, token,
              absl::StrCat(TaskPath(portal, project, task), "comments/", comment, "/"), {})
      .status();
}

}  // namespace crmsync::zoho

// Zoho Projects client (REST API v1 under {base}/restapi/): portals, projects and their client
// company, users, tasks and subtasks, and task comments. Every call takes the access token to
// send. Errors as crm_client.h; a missing portal, project, task or comment is NOT_FOUND.
#ifndef CRMSYNC_LIBS_ZOHO_PROJECTS_CLIENT_H_
#define CRMSYNC_LIBS_ZOHO_PROJECTS_CLIENT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/http/http_client.h"
#include "libs/zoho/projects_codec.h"

namespace crmsync::zoho {

class ProjectsClient {
 public:
  static constexpr int kMaxRange = 200;  // records per list page

  // `base_url` is the Projects API host, e.g. "https://projectsapi.zoho.eu".
  ProjectsClient(http::HttpClient& http, std::string base_url);

  absl::StatusOr<std::vector<ProjectsPortal>> ListPortals(absl::string_view token);
  // One page: records index .. index+range-1 (index 1-based, range 1..200).
  absl::StatusOr<std::vector<ProjectsProject>> ListProjects(absl::string_view token,
                                                            absl::string_view portal, int index,
                                                            int range = kMaxRange);
  absl::StatusOr<ProjectsProject> GetProject(absl::string_view token, absl::string_view portal,
                                             absl::string_view project);
  // The client company the project belongs to, nullopt when it has none.
  absl::StatusOr<std::optional<ProjectsClientCompany>> GetProjectClient(absl::string_view token,
                                                                        absl::string_view portal,
                                                                        absl::string_view project);
  // One page of the portal's client companies (index 1-based, range 1..200).
  absl::StatusOr<std::vector<ProjectsClientCompany>> ListClients(absl::string_view token,
                                                                 absl::string_view portal,
                                                                 int index, int range = kMaxRange);
  absl::StatusOr<std::vector<ProjectsUser>> ListUsers(absl::string_view token,
                                                      absl::string_view portal);

  // The task statuses a project's tasks can take, with the ids `custom_status` is written with:
  // the `status_details` of the project's task layout (Get Task Layout Details,
  // GET /restapi/portal/{p}/projects/{id}/tasklayouts in Zoho's tasks-api.html).
  absl::StatusOr<std::vector<ProjectsTaskStatus>> ListTaskStatuses(absl::string_view token,
                                                                   absl::string_view portal,
                                                                   absl::string_view project);

  absl::StatusOr<ProjectsTask> GetTask(absl::string_view token, absl::string_view portal,
                                       absl::string_view project, absl::string_view task);
  // One page of the project's main tasks (subtasks are listed under their parent).
  absl::StatusOr<std::vector<ProjectsTask>> ListTasks(absl::string_view token,
                                                      absl::string_view portal,
                                                      absl::string_view project, int index,
                                                      int range = kMaxRange);
  // Every main task updated after `since`, in the list's order. Reads every page: Projects
  // documents no sort for the task list, so a change may be on any page.
  absl::StatusOr<std::vector<ProjectsTask>> ListTasksModifiedSince(absl::string_view token,
                                                                   absl::string_view portal,
                                                                   absl::string_view project,
                                                                   absl::Time since);
  absl::StatusOr<std::vector<ProjectsTask>> ListSubtasks(absl::string_view token,
                                                         absl::string_view portal,
                                                         absl::string_view project,
                                                         absl::string_view parent_task);
  // Creates a task (needs a name), or a subtask of `parent_task` when given.
  absl::StatusOr<ProjectsTask> CreateTask(absl::string_view token, absl::string_view portal,
                                          absl::string_view project, const ProjectsTaskWrite& task,
                                          std::optional<std::string> parent_task = std::nullopt);
  // Updates the given fields (a POST to the task's URL, as Projects wants).
  absl::StatusOr<ProjectsTask> UpdateTask(absl::string_view token, absl::string_view portal,
                                          absl::string_view project, absl::string_view task,
                                          const ProjectsTaskWrite& fields);
  absl::Status DeleteTask(absl::string_view token, absl::string_view portal,
                          absl::string_view project, absl::string_view task);

  absl::StatusOr<std::vector<ProjectsComment>> ListComments(absl::string_view token,
                                                            absl::string_view portal,
                                                            absl::string_view project,
                                                            absl::string_view task);
  absl::StatusOr<ProjectsComment> AddComment(absl::string_view token, absl::string_view portal,
                                             absl::string_view project, absl::string_view task,
                                             const std::string& content);
  absl::Status DeleteComment(absl::string_view token, absl::string_view portal,
                             absl::string_view project, absl::string_view task,
                             absl::string_view comment);

 private:
  // Sends and returns the JSON of a 2xx reply (null for 204); an error status otherwise.
  absl::StatusOr<Json> Call(http::Method method, absl::string_view token, const std::string& path,
                            const http::Params& params);
  absl::StatusOr<std::vector<ProjectsTask>> TaskList(absl::string_view token,
                                                     const std::string& path,
                                                     const http::Params& query);

  http::HttpClient& http_;
  const std::string base_url_;
};

}  // namespace crmsync::zoho

#endif  // CRMSYNC_LIBS_ZOHO_PROJECTS_CLIENT_H_

// Zoho Projects (REST API v1, /restapi/...) records as plain C++ structs, and their strict codecs.
// Replies are JSON ({"tasks":[...]}, {"comments":[...]}, ...); requests are form parameters.
// Dates are MM-DD-YYYY (lists may add " hh:mm AM"); ids arrive as numbers and come out as strings.
#ifndef CRMSYNC_LIBS_ZOHO_PROJECTS_CODEC_H_
#define CRMSYNC_LIBS_ZOHO_PROJECTS_CODEC_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/http/url.h"
#include "libs/zoho/json_fields.h"

namespace crmsync::zoho {

struct ProjectsPortal {
  std::string id;
  std::string name;
};

struct ProjectsProject {
  std::string id;
  std::string name;
  std::optional<absl::CivilDay> start_date;
  std::optional<absl::CivilDay> end_date;
  bool strict = false;  // a strict project keeps its tasks inside its schedule
};

struct ProjectsClientCompany {
  std::string id;
  std::string name;
};

struct ProjectsUser {
  std::string id;
  std::string name;
  std::optional<std::string> email;
};

struct ProjectsTaskStatus {
  std::string id;
  std::string name;
  std::string type;  // "open" or "closed"
};

struct ProjectsTask {
  std::string id;
  std::string name;
  std::optional<std::string> description;
  std::string priority;  // "None", "Low", "Medium" or "High"
  bool completed = false;
  ProjectsTaskStatus status;
  std::optional<absl::CivilDay> start_date;
  std::optional<absl::CivilDay> end_date;
  std::vector<ProjectsUser> owners;
  std::optional<std::string> parent_task_id;  // set for a subtask
  absl::Time last_updated_time;
  // Who last updated the task (a user id, or an email as some portals send), when given.
  std::optional<std::string> last_updated_by;
};

// Task fields to create or update; absent fields are not sent. For the dates a present-but-
// empty inner value clears the date.
struct ProjectsTaskWrite {
  std::optional<std::string> name = std::nullopt;
  std::optional<std::string> description = std::nullopt;
  std::optional<std::string> priority = std::nullopt;  // "none", "low", "medium" or "high"
  std::optional<std::optional<absl::CivilDay>> start_date = std::nullopt;
  std::optional<std::optional<absl::CivilDay>> end_date = std::nullopt;
  std::optional<std::vector<std::string>> owner_ids = std::nullopt;  // person_responsible
  std::optional<std::string> custom_status = std::nullopt;           // a status id
  std::optional<std::string> tasklist_id = std::nullopt;
};

struct ProjectsComment {
  std::string id;
  std::string content;  // read from `content`, or from `comment` as real portals send it
  std::optional<std::string> added_by;  // user id
  std::optional<std::string> added_person;
  absl::Time created_time;
};

// The fields of a Projects task webhook as configured by crmsync (form parameters).
struct ProjectsWebhook {
  std::string event;  // task_create, task_update, task_delete, comment_add, comment_delete
  std::string portal_id;
  std::string project_id;
  std::string task_id;
  std::optional<std::string> comment_id;
};

absl::StatusOr<ProjectsPortal> ParseProjectsPortal(const Json& json, absl::string_view where);
absl::StatusOr<ProjectsProject> ParseProjectsProject(const Json& json, absl::string_view where);
absl::StatusOr<ProjectsClientCompany> ParseProjectsClientCompany(const Json& json,
                                                                 absl::string_view where);
absl::StatusOr<ProjectsUser> ParseProjectsUser(const Json& json, absl::string_view where);
absl::StatusOr<ProjectsTask> ParseProjectsTask(const Json& json, absl::string_view where);
absl::StatusOr<ProjectsComment> ParseProjectsComment(const Json& json, absl::string_view where);
// One entry of a task layout's `status_details` (Get Task Layout Details, tasks-api.html:
// {id, name, is_closed_type, color_code, is_default}): its type is "closed" for a closed type.
absl::StatusOr<ProjectsTaskStatus> ParseProjectsLayoutStatus(const Json& json,
                                                             absl::string_view where);
// A webhook's parameters (any order); `secret_param` is not part of the result.
absl::StatusOr<ProjectsWebhook> ParseProjectsWebhook(const http::Params& params);

// The form parameters of a write; an unknown priority is INVALID_ARGUMENT.
absl::StatusOr<http::Params> ProjectsTaskWriteToParams(const ProjectsTaskWrite& task);

}  // namespace crmsync::zoho

#endif  // CRMSYNC_LIBS_ZOHO_PROJECTS_CODEC_H_

#include "libs/zoho/projects_codec.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/zoho/dates.h"

namespace crmsync::zoho {
namespace {

absl::StatusOr<std::optional<absl::CivilDay>> OptionalDate(const Json& json, absl::string_view name,
                                                           absl::string_view where) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, OptionalString(json, name, where));
  if (!text.has_value() || text->empty()) return std::optional<absl::CivilDay>();
  auto day = ParseProjectsDate(*text);
  if (!day.ok()) return FieldError(FieldPath(where, name), day.status().message());
  return std::optional<absl::CivilDay>(*day);
}

std::string ParamOr(const http::Params& params, absl::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace

absl::StatusOr<ProjectsPortal> ParseProjectsPortal(const Json& json, absl::string_view where) {
  ProjectsPortal portal;
  ASSIGN_OR_RETURN(portal.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(portal.name, RequiredString(json, "name", where));
  return portal;
}

absl::StatusOr<ProjectsProject> ParseProjectsProject(const Json& json, absl::string_view where) {
  ProjectsProject project;
  ASSIGN_OR_RETURN(project.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(project.name, RequiredString(json, "name", where));
  ASSIGN_OR_RETURN(project.start_date, OptionalDate(json, "start_date", where));
  ASSIGN_OR_RETURN(project.end_date, OptionalDate(json, "end_date", where));
  // Projects spells the flag as a string, "yes" or "no" (the projects API's sample response).
  ASSIGN_OR_RETURN(const std::string strict, RequiredString(json, "is_strict", where));
  if (strict != "yes" && strict != "no") {
    return FieldError(FieldPath(where, "is_strict"),
                      absl::StrCat("\"", strict, "\" is neither \"yes\" nor \"no\""));
  }
  project.strict = strict == "yes";
  return project;
}

absl::StatusOr<ProjectsTaskStatus> ParseProjectsLayoutStatus(const Json& json,
                                                             absl::string_view where) {
  ProjectsTaskStatus status;
  ASSIGN_OR_RETURN(status.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(status.name, RequiredString(json, "name", where));
  ASSIGN_OR_RETURN(const bool closed, RequiredBool(json, "is_closed_type", where));
  status.type = closed ? "closed" : "open";
  return status;
}

absl::StatusOr<ProjectsClientCompany> ParseProjectsClientCompany(const Json& json,
                                                                 absl::string_view where) {
  ProjectsClientCompany client;
  ASSIGN_OR_RETURN(client.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(client.name, RequiredString(json, "name", where));
  return client;
}

absl::StatusOr<ProjectsUser> ParseProjectsUser(const Json& json, absl::string_view where) {
  ProjectsUser user;
  ASSIGN_OR_RETURN(user.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(user.name, RequiredString(json, "name", where));
  ASSIGN_OR_RETURN(user.email, OptionalString(json, "email", where));
  return user;
}

absl::StatusOr<ProjectsTask> ParseProjectsTask(const Json& json, absl::string_view where) {
  ProjectsTask task;
  ASSIGN_OR_RETURN(task.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(task.name, RequiredString(json, "name", where));
  ASSIGN_OR_RETURN(task.description, OptionalString(json, "description", where));
  ASSIGN_OR_RETURN(task.priority, RequiredString(json, "priority", where));
  if (task.priority != "None" && task.priority != "Low" && task.priority != "Medium" &&
      task.priority != "High") {
    return FieldError(FieldPath(where, "priority"),
                      absl::StrCat("unknown priority \"", task.priority, "\""));
  }
  ASSIGN_OR_RETURN(task.completed, RequiredBool(json, "completed", where));
  ASSIGN_OR_RETURN(const Json* status, RequiredObject(json, "status", where));
  const std::string status_path = FieldPath(where, "status");
  ASSIGN_OR_RETURN(task.status.id, RequiredId(*status, "id", status_path));
  ASSIGN_OR_RETURN(task.status.name, RequiredString(*status, "name", status_path));
  ASSIGN_OR_RETURN(task.status.type, RequiredString(*status, "type", status_path));
  ASSIGN_OR_RETURN(task.start_date, OptionalDate(json, "start_date", where));
  ASSIGN_OR_RETURN(task.end_date, OptionalDate(json, "end_date", where));
  ASSIGN_OR_RETURN(const Json* details, OptionalObject(json, "details", where));
  if (details != nullptr) {
    const std::string details_path = FieldPath(where, "details");
    ASSIGN_OR_RETURN(const Json* owners, RequiredArray(*details, "owners", details_path));
    for (size_t i = 0; i < owners->size(); ++i) {
      const std::string path = absl::StrCat(details_path, ".owners[", i, "]");
      // An unassigned task lists a single owner named "Unassigned" without an id.
      if ((*owners)[i].is_object() && !(*owners)[i].contains("id")) continue;
      ASSIGN_OR_RETURN(ProjectsUser owner, ParseProjectsUser((*owners)[i], path));
      task.owners.push_back(std::move(owner));
    }
  }
  ASSIGN_OR_RETURN(task.parent_task_id, OptionalId(json, "parent_task_id", where));
  ASSIGN_OR_RETURN(int64_t updated, RequiredInt(json, "last_updated_time_long", where));
  task.last_updated_time = FromEpochMillis(updated);
  // Descriptive only, and not documented: taken when it names someone, never an error.
  if (auto by = json.find("last_updated_by"); by != json.end()) {
    if (by->is_string() && !by->get<std::string>().empty()) {
      task.last_updated_by = by->get<std::string>();
    } else if (by->is_number_integer()) {
      task.last_updated_by = by->dump();
    }
  }
  return task;
}

absl::StatusOr<ProjectsComment> ParseProjectsComment(const Json& json, absl::string_view where) {
  ProjectsComment comment;
  ASSIGN_OR_RETURN(comment.id, RequiredId(json, "id", where));
  // Zoho's documentation shows the text as `content` (tasks-api.html, "Get Comments"), while
  // captures of real portals carry it as `comment`: either is the text, `content` first.
  ASSIGN_OR_RETURN(std::optional<std::string> content, OptionalString(json, "content", where));
  if (!content.has_value()) {
    ASSIGN_OR_RETURN(content, OptionalString(json, "comment", where));
  }
  if (!content.has_value()) {
    return FieldError(FieldPath(where, "content"), "missing (nor is there a \"comment\")");
  }
  comment.content = *std::move(content);
  ASSIGN_OR_RETURN(comment.added_by, OptionalId(json, "added_by", where));
  ASSIGN_OR_RETURN(comment.added_person, OptionalString(json, "added_person", where));
  ASSIGN_OR_RETURN(int64_t created, RequiredInt(json, "created_time_long", where));
  comment.created_time = FromEpochMillis(created);
  return comment;
}

absl::StatusOr<ProjectsWebhook> ParseProjectsWebhook(const http::Params& params) {
  ProjectsWebhook webhook;
  webhook.event = ParamOr(params, "event");
  webhook.portal_id = ParamOr(params, "portal_id");
  webhook.project_id = ParamOr(params, "project_id");
  webhook.task_id = ParamOr(params, "task_id");
  for (const auto& [name, value] :
       {std::pair{"event", &webhook.event}, std::pair{"portal_id", &webhook.portal_id},
        std::pair{"project_id", &webhook.project_id}, std::pair{"task_id", &webhook.task_id}}) {
    if (value->empty()) return FieldError(name, "missing");
  }
  if (webhook.event != "task_create" && webhook.event != "task_update" &&
      webhook.event != "task_delete" && webhook.event != "comment_add" &&
      webhook.event != "comment_delete") {
    return FieldError("event", absl::StrCat("unknown event \"", webhook.event, "\""));
  }
  if (std::string comment = ParamOr(params, "comment_id"); !comment.empty()) {
    webhook.comment_id = comment;
  }
  return webhook;
}

absl::StatusOr<http::Params> ProjectsTaskWriteToParams(const ProjectsTaskWrite& task) {
  http::Params params;
  if (task.name) params.emplace_back("name", *task.name);
  if (task.description) params.emplace_back("description", *task.description);
  if (task.priority) {
    const std::string priority = absl::AsciiStrToLower(*task.priority);
    if (priority != "none" && priority != "low" && priority != "medium" && priority != "high") {
      return absl::InvalidArgumentError(absl::StrCat("unknown priority \"", *task.priority, "\""));
    }
    params.emplace_back("priority", priority);
  }
  if (task.start_date) {
    params.emplace_back("start_date",
                        task.start_date->has_value() ? FormatProjectsDate(**task.start_date) : "");
  }
  if (task.end_date) {
    params.emplace_back("end_date",
                        task.end_date->has_value() ? FormatProjectsDate(**task.end_date) : "");
  }
  if (task.owner_ids)
    params.emplace_back("person_responsible", absl::StrJoin(*task.owner_ids, ","));
  if (task.custom_status) params.emplace_back("custom_status", *task.custom_status);
  if (task.tasklist_id) params.emplace_back("tasklist_id", *task.tasklist_id);
  return params;
}

}  // namespace crmsync::zoho

// Projects' part of SimState: portals, projects (with schedules, strict or not), client
// companies, users, tasks and subtasks, comments, and the task webhook of each portal.
#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "libs/http/url.h"
#include "tools/zoho-sim/sim_state.h"

namespace crmsync::zoho_sim {
namespace {

constexpr int kMaxRange = 200;

Reply ProjectsError(int status, int code, const std::string& message) {
  return Reply{.status = status, .body = {{"error", {{"code", code}, {"message", message}}}}};
}

Reply NotFound() { return ProjectsError(404, 6404, "Resource Not Found"); }

Reply BadParam(const std::string& param) {
  return ProjectsError(
      400, 6831, absl::StrCat("Input Parameter Does not Match the Pattern Specified: ", param));
}

std::optional<absl::CivilDay> ParseDate(const std::string& text) {
  int month, day, year;
  if (text.size() != 10 || text[2] != '-' || text[5] != '-' ||
      !absl::SimpleAtoi(text.substr(0, 2), &month) || !absl::SimpleAtoi(text.substr(3, 2), &day) ||
      !absl::SimpleAtoi(text.substr(6, 4), &year)) {
    return std::nullopt;
  }
  const absl::CivilDay civil(year, month, day);
  if (civil.year() != year || civil.month() != month || civil.day() != day) return std::nullopt;
  return civil;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%02d-%02d-%04d", day.month(), day.day(), day.year());
}

int64_t DayMillis(absl::CivilDay day) {
  return absl::ToUnixMillis(absl::FromCivil(day, absl::UTCTimeZone()));
}

std::optional<std::string> Param(const Params& params, const std::string& name) {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return it->second;
}

int IntParam(const Params& query, const std::string& name, int fallback) {
  auto it = query.find(name);
  int value = 0;
  if (it == query.end() || !absl::SimpleAtoi(it->second, &value)) return fallback;
  return value;
}

Json IdFields(const std::string& id) {
  int64_t number = 0;
  (void)absl::SimpleAtoi(id, &number);
  return {{"id", number}, {"id_string", id}};
}

// index (1-based) and range (at most 200) as Projects pages lists; 204 when the page is empty.
Reply ListPage(const std::string& key, const std::vector<Json>& all, const Params& query) {
  const int index = IntParam(query, "index", 1);
  const int range = IntParam(query, "range", 100);
  if (index < 1) return BadParam("index");
  if (range < 1 || range > kMaxRange) return BadParam("range");
  const size_t begin = static_cast<size_t>(index - 1);
  if (begin >= all.size()) return Reply{.status = 204};
  const size_t end = std::min(all.size(), begin + range);
  return Reply{.status = 200,
               .body = {{key, std::vector<Json>(all.begin() + begin, all.begin() + end)}}};
}

}  // namespace

SimState::Portal* SimState::FindPortal(const std::string& portal) {
  auto it = portals_.find(portal);
  return it == portals_.end() ? nullptr : &it->second;
}

const SimState::Portal* SimState::FindPortal(const std::string& portal) const {
  auto it = portals_.find(portal);
  return it == portals_.end() ? nullptr : &it->second;
}

Json SimState::ProjectsAddPortal(const std::string& name) {
  const std::string id = NewId();
  Portal portal;
  portal.json = IdFields(id);
  portal.json["name"] = name;
  for (const auto& [status_name, type, color] :
       {std::tuple{"Open", "open", "#74cb80"}, std::tuple{"In Progress", "open", "#08aeea"},
        std::tuple{"Closed", "closed", "#f56b62"}}) {
    portal.statuses.push_back(
        {{"id", NewId()}, {"name", status_name}, {"type", type}, {"color_code", color}});
  }
  Json result = portal.json;
  result["task_statuses"] = portal.statuses;
  portals_[id] = std::move(portal);
  return result;
}

absl::StatusOr<Json> SimState::ProjectsAddClient(const std::string& portal_id,
                                                 const std::string& name) {
  Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return absl::NotFoundError("no such portal");
  if (name.empty()) return absl::InvalidArgumentError("name is required");
  const std::string id = NewId();
  Json client = IdFields(id);
  client["name"] = name;
  portal->clients[id] = client;
  return client;
}

absl::StatusOr<Json> SimState::ProjectsAddUser(const std::string& portal_id,
                                               const std::string& name, const std::string& email) {
  Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return absl::NotFoundError("no such portal");
  if (email.empty()) return absl::InvalidArgumentError("email is required");
  const std::string id = NewId();
  Json user = {{"id", id}, {"name", name}, {"email", email}, {"role", "Employee"}};
  portal->users[id] = user;
  return user;
}

absl::StatusOr<Json> SimState::ProjectsAddProject(const std::string& portal_id, const Json& spec) {
  Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return absl::NotFoundError("no such portal");
  if (!spec.is_object() || !spec.contains("name") || !spec["name"].is_string()) {
    return absl::InvalidArgumentError("name is required");
  }
  const std::string id = NewId();
  Json project = IdFields(id);
  project["name"] = spec["name"];
  project["status"] = "active";
  for (const char* field : {"start_date", "end_date"}) {
    if (!spec.contains(field)) continue;
    auto day = spec[field].is_string() ? ParseDate(spec[field].get<std::string>()) : std::nullopt;
    if (!day.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(field, " must be MM-DD-YYYY"));
    }
    project[field] = FormatDate(*day);
    project[absl::StrCat(field, "_long")] = DayMillis(*day);
  }
  // Projects spells the flag "yes" / "no", as the projects API's sample response shows.
  project["is_strict"] = spec.value("strict", false) ? "yes" : "no";
  if (spec.contains("client_id")) {
    const std::string client = spec["client_id"].is_string() ? spec["client_id"].get<std::string>()
                                                             : spec["client_id"].dump();
    if (!portal->clients.contains(client)) return absl::NotFoundError("no such client");
    portal->client_of[id] = client;
  }
  portal->projects[id] = project;
  return project;
}

absl::Status SimState::ProjectsSetWebhook(const std::string& portal_id, const std::string& url,
                                          const std::string& secret_param,
                                          const std::string& secret) {
  Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return absl::NotFoundError("no such portal");
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return absl::InvalidArgumentError("url must be http(s)");
  }
  portal->webhook_template = Webhook{.url = url, .content_type = "", .body = ""};
  portal->secret_param = secret_param.empty() ? "secret" : secret_param;
  portal->secret = secret;
  return absl::OkStatus();
}

Reply SimState::ProjectsListPortals() const {
  Json portals = Json::array();
  for (const auto& [id, portal] : portals_) portals.push_back(portal.json);
  return Reply{.status = 200, .body = {{"portals", portals}}};
}

Reply SimState::ProjectsListProjects(const std::string& portal_id, const Params& query) const {
  const Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return NotFound();
  std::vector<Json> all;
  for (const auto& [id, project] : portal->projects) all.push_back(project);
  return ListPage("projects", all, query);
}

Reply SimState::ProjectsGetProject(const std::string& portal_id, const std::string& project) const {
  const Portal* portal = FindPortal(portal_id);
  if (portal == nullptr || !portal->projects.contains(project)) return NotFound();
  return Reply{.status = 200, .body = {{"projects", Json::array({portal->projects.at(project)})}}};
}

Reply SimState::ProjectsProjectClients(const std::string& portal_id,
                                       const std::string& project) const {
  const Portal* portal = FindPortal(portal_id);
  if (portal == nullptr || !portal->projects.contains(project)) return NotFound();
  auto client = portal->client_of.find(project);
  if (client == portal->client_of.end()) return Reply{.status = 204};
  return Reply{.status = 200,
               .body = {{"clients", Json::array({portal->clients.at(client->second)})}}};
}

Reply SimState::ProjectsListClients(const std::string& portal_id, const Params& query) const {
  const Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return NotFound();
  std::vector<Json> all;
  for (const auto& [id, client] : portal->clients) all.push_back(client);
  return ListPage("clients", all, query);
}

Reply SimState::ProjectsTaskLayout(const std::string& portal_id, const std::string& project) const {
  const Portal* portal = FindPortal(portal_id);
  if (portal == nullptr || !portal->projects.contains(project)) return NotFound();
  Json statuses = Json::array();
  for (const Json& status : portal->statuses) {
    statuses.push_back({{"id", status["id"]},
                        {"name", status["name"]},
                        {"is_closed_type", status["type"] == "closed"},
                        {"color_code", status["color_code"]},
                        {"is_default", statuses.empty()}});
  }
  // Every project uses the portal's standard layout.
  return Reply{.status = 200,
               .body = {{"layout_id", portal->json["id_string"]},
                        {"layout_name", "Standard Layout"},
                        {"section_details", Json::array()},
                        {"status_details", std::move(statuses)}}};
}

Reply SimState::ProjectsListUsers(const std::string& portal_id) const {
  const Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return NotFound();
  Json users = Json::array();
  for (const auto& [id, user] : portal->users) users.push_back(user);
  if (users.empty()) return Reply{.status = 204};
  return Reply{.status = 200, .body = {{"users", users}}};
}

absl::StatusOr<Json> SimState::ApplyTaskForm(Portal& portal, const Json& project, Json task,
                                             const Params& form, bool creating) const {
  auto bad = [](const std::string& param) { return absl::InvalidArgumentError(param); };
  if (auto name = Param(form, "name"); name.has_value()) {
    if (name->empty()) return bad("name");
    task["name"] = *name;
  } else if (creating) {
    return bad("name");
  }
  if (auto description = Param(form, "description")) task["description"] = *description;
  if (auto priority = Param(form, "priority")) {
    const std::string lower = absl::AsciiStrToLower(*priority);
    if (lower != "none" && lower != "low" && lower != "medium" && lower != "high") {
      return bad("priority");
    }
    std::string stored = lower;
    stored[0] = absl::ascii_toupper(stored[0]);
    task["priority"] = stored;
  }
  for (const char* field : {"start_date", "end_date"}) {
    auto value = Param(form, field);
    if (!value.has_value()) continue;
    if (value->empty()) {
      task.erase(field);
      task.erase(absl::StrCat(field, "_long"));
      continue;
    }
    auto day = ParseDate(*value);
    if (!day.has_value()) return bad(field);
    task[field] = FormatDate(*day);
    task[absl::StrCat(field, "_long")] = DayMillis(*day);
  }
  if (auto owners = Param(form, "person_responsible")) {
    Json list = Json::array();
    for (absl::string_view id : absl::StrSplit(*owners, ',', absl::SkipEmpty())) {
      auto user = portal.users.find(std::string(id));
      if (user == portal.users.end()) return bad("person_responsible");
      list.push_back(
          {{"id", user->first}, {"name", user->second["name"]}, {"email", user->second["email"]}});
    }
    task["details"]["owners"] = list;
  }
  if (auto status_id = Param(form, "custom_status")) {
    auto status = std::find_if(portal.statuses.begin(), portal.statuses.end(),
                               [&](const Json& s) { return s["id"] == *status_id; });
    if (status == portal.statuses.end()) return bad("custom_status");
    task["status"] = *status;
    task["completed"] = (*status)["type"] == "closed";
  }
  if (project.value("is_strict", "no") == "yes") {
    // A strict project keeps every task inside its own schedule.
    for (const char* field : {"start_date_long", "end_date_long"}) {
      if (!task.contains(field)) continue;
      const int64_t when = task[field].get<int64_t>();
      if ((project.contains("start_date_long") &&
           when < project["start_date_long"].get<int64_t>()) ||
          (project.contains("end_date_long") && when > project["end_date_long"].get<int64_t>())) {
        return absl::FailedPreconditionError(field);
      }
    }
  }
  return task;
}

Reply SimState::ProjectsListTasks(const std::string& portal_id, const std::string& project,
                                  const std::optional<std::string>& parent,
                                  const Params& query) const {
  const Portal* portal = FindPortal(portal_id);
  if (portal == nullptr || !portal->projects.contains(project)) return NotFound();
  if (parent.has_value()) {
    auto it = portal->tasks.find(*parent);
    if (it == portal->tasks.end() || it->second.project != project) return NotFound();
  }
  std::vector<Json> all;
  for (const auto& [id, record] : portal->tasks) {
    if (record.project != project) continue;
    const std::string record_parent = record.json.value("parent_task_id", std::string());
    if (parent.has_value() ? record_parent != *parent : !record_parent.empty()) continue;
    all.push_back(record.json);
  }
  // The list documents index, range, owner, status, time, priority and tasklist_id, and no sort
  // (zoho.com/projects/help/rest-api/tasks-api.html, "All Tasks"): no sort is offered here
  // either, so a client that needs the changed tasks reads every page.
  return ListPage("tasks", all, query);
}

Reply SimState::ProjectsGetTask(const std::string& portal_id, const std::string& project,
                                const std::string& task) const {
  const Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return NotFound();
  auto it = portal->tasks.find(task);
  if (it == portal->tasks.end() || it->second.project != project) return NotFound();
  return Reply{.status = 200, .body = {{"tasks", Json::array({it->second.json})}}};
}

Reply SimState::ProjectsCreateTask(const std::string& portal_id, const std::string& project,
                                   const std::optional<std::string>& parent, const Params& form,
                                   const std::string& actor, absl::Time now) {
  Portal* portal = FindPortal(portal_id);
  if (portal == nullptr || !portal->projects.contains(project)) return NotFound();
  if (parent.has_value()) {
    auto it = portal->tasks.find(*parent);
    if (it == portal->tasks.end() || it->second.project != project) return NotFound();
  }
  const std::string id = NewId();
  Json task = IdFields(id);
  task["key"] = absl::StrCat("T", id.substr(id.size() - 4));
  task["description"] = "";
  task["priority"] = "None";
  task["completed"] = false;
  task["status"] = portal->statuses.front();
  task["details"] = {{"owners", Json::array()}};
  task["subtasks"] = false;
  task["created_by"] = actor;
  task["created_time_long"] = absl::ToUnixMillis(now);
  task["created_time"] = FormatDate(absl::ToCivilDay(now, absl::UTCTimeZone()));
  if (parent.has_value()) task["parent_task_id"] = *parent;
  auto applied = ApplyTaskForm(*portal, portal->projects.at(project), task, form, true);
  if (!applied.ok()) {
    if (absl::IsFailedPrecondition(applied.status())) {
      return ProjectsError(400, 6890,
                           "Task dates must be within the project's dates in a strict project");
    }
    return BadParam(std::string(applied.status().message()));
  }
  task = *std::move(applied);
  task["last_updated_time_long"] = absl::ToUnixMillis(now);
  task["last_updated_time"] = FormatDate(absl::ToCivilDay(now, absl::UTCTimeZone()));
  portal->tasks[id] = ProjectsTaskRecord{.project = project, .json = task, .comments = {}};
  if (parent.has_value()) portal->tasks.at(*parent).json["subtasks"] = true;
  NotifyProjects(*portal, "task_create", project, id, "", now);
  return Reply{.status = 201, .body = {{"tasks", Json::array({task})}}};
}

Reply SimState::ProjectsUpdateTask(const std::string& portal_id, const std::string& project,
                                   const std::string& task, const Params& form,
                                   const std::string& actor, absl::Time now) {
  Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return NotFound();
  auto it = portal->tasks.find(task);
  if (it == portal->tasks.end() || it->second.project != project) return NotFound();
  auto applied = ApplyTaskForm(*portal, portal->projects.at(project), it->second.json, form, false);
  if (!applied.ok()) {
    if (absl::IsFailedPrecondition(applied.status())) {
      return ProjectsError(400, 6890,
                           "Task dates must be within the project's dates in a strict project");
    }
    return BadParam(std::string(applied.status().message()));
  }
  it->second.json = *std::move(applied);
  it->second.json["last_updated_time_long"] = absl::ToUnixMillis(now);
  it->second.json["last_updated_time"] = FormatDate(absl::ToCivilDay(now, absl::UTCTimeZone()));
  it->second.json["last_updated_by"] = actor;
  NotifyProjects(*portal, "task_update", project, task, "", now);
  return Reply{.status = 200, .body = {{"tasks", Json::array({it->second.json})}}};
}

Reply SimState::ProjectsDeleteTask(const std::string& portal_id, const std::string& project,
                                   const std::string& task, absl::Time now) {
  Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return NotFound();
  auto it = portal->tasks.find(task);
  if (it == portal->tasks.end() || it->second.project != project) return NotFound();
  std::erase_if(portal->tasks, [&](const auto& entry) {
    return entry.second.json.value("parent_task_id", std::string()) == task;
  });
  portal->tasks.erase(task);
  NotifyProjects(*portal, "task_delete", project, task, "", now);
  return Reply{.status = 200, .body = {{"response", "Task Trashed successfully"}}};
}

Reply SimState::ProjectsListComments(const std::string& portal_id, const std::string& project,
                                     const std::string& task) const {
  const Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return NotFound();
  auto it = portal->tasks.find(task);
  if (it == portal->tasks.end() || it->second.project != project) return NotFound();
  if (it->second.comments.empty()) return Reply{.status = 204};
  return Reply{.status = 200, .body = {{"comments", it->second.comments}}};
}

Reply SimState::ProjectsAddComment(const std::string& portal_id, const std::string& project,
                                   const std::string& task, const Params& form,
                                   const std::string& actor, absl::Time now) {
  Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return NotFound();
  auto it = portal->tasks.find(task);
  if (it == portal->tasks.end() || it->second.project != project) return NotFound();
  auto content = Param(form, "content");
  if (!content.has_value() || content->empty()) return BadParam("content");
  std::string author_id, author_name = actor;
  for (const auto& [id, user] : portal->users) {
    if (user["email"] == actor) author_id = id, author_name = user["name"].get<std::string>();
  }
  const std::string id = NewId();
  Json comment = IdFields(id);
  comment["content"] = *content;
  comment["created_time_long"] = absl::ToUnixMillis(now);
  comment["created_time"] = FormatDate(absl::ToCivilDay(now, absl::UTCTimeZone()));
  comment["added_by"] = author_id;
  comment["added_person"] = author_name;
  it->second.comments.push_back(comment);
  NotifyProjects(*portal, "comment_add", project, task, id, now);
  return Reply{.status = 201, .body = {{"comments", Json::array({comment})}}};
}

Reply SimState::ProjectsDeleteComment(const std::string& portal_id, const std::string& project,
                                      const std::string& task, const std::string& comment,
                                      absl::Time now) {
  Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return NotFound();
  auto it = portal->tasks.find(task);
  if (it == portal->tasks.end() || it->second.project != project) return NotFound();
  auto& comments = it->second.comments;
  auto found = std::find_if(comments.begin(), comments.end(),
                            [&](const Json& c) { return c["id_string"] == comment; });
  if (found == comments.end()) return NotFound();
  comments.erase(found);
  NotifyProjects(*portal, "comment_delete", project, task, comment, now);
  return Reply{.status = 200, .body = {{"response", "Comment Deleted Successfully"}}};
}

std::optional<std::string> SimState::ProjectsProjectOfTask(const std::string& portal_id,
                                                           const std::string& task) const {
  const Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return std::nullopt;
  auto it = portal->tasks.find(task);
  if (it == portal->tasks.end()) return std::nullopt;
  return it->second.project;
}

std::optional<Json> SimState::ProjectsTask(const std::string& portal_id,
                                           const std::string& task) const {
  const Portal* portal = FindPortal(portal_id);
  if (portal == nullptr) return std::nullopt;
  auto it = portal->tasks.find(task);
  if (it == portal->tasks.end()) return std::nullopt;
  Json result = it->second.json;
  result["project_id"] = it->second.project;
  result["comments"] = it->second.comments;
  return result;
}

void SimState::NotifyProjects(Portal& portal, const std::string& event, const std::string& project,
                              const std::string& task, const std::string& comment, absl::Time now) {
  if (!portal.webhook_template.has_value()) return;
  http::Params params = {{"event", event},
                         {"portal_id", portal.json["id_string"].get<std::string>()},
                         {"project_id", project},
                         {"task_id", task},
                         {"modified_time_long", absl::StrCat(absl::ToUnixMillis(now))}};
  if (!comment.empty()) params.emplace_back("comment_id", comment);
  params.emplace_back(portal.secret_param, portal.secret);
  outbox_.push_back(Webhook{.url = portal.webhook_template->url,
                            .content_type = "application/x-www-form-urlencoded",
                            .body = http::FormEncode(params)});
}

}  // namespace crmsync::zoho_sim

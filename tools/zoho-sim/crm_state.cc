// CRM's part of SimState: Tasks, Accounts, Deals and Notes in Zoho CRM v2's shapes, users, and
// watch channels with their notifications.
#include <algorithm>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/zoho-sim/sim_state.h"

namespace crmsync::zoho_sim {
namespace {

const std::set<std::string> kModules = {"Tasks", "Accounts", "Deals", "Notes"};
// The modules a watch channel may name: the record modules of Enable Notifications' "Supported
// modules" (zoho.com/crm/developer/docs/api/v7/notifications/enable.html), which leave Notes out.
const std::set<std::string> kWatchModules = {"Tasks", "Accounts", "Deals"};
const std::set<std::string> kTaskPriorities = {"Highest", "High", "Normal", "Low", "Lowest"};
const std::set<std::string> kTaskStatuses = {"Not Started",       "Deferred",
                                             "In Progress",       "Completed",
                                             "Waiting for input", "Waiting on someone else"};
constexpr int kMaxRecordsPerCall = 100;
constexpr int kMaxPerPage = 200;

std::string IsoTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseIso(const std::string& text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%S%Ez", text, absl::UTCTimeZone(), &t, &error)) {
    return std::nullopt;
  }
  return t;
}

bool IsCrmDate(const Json& value) {
  if (!value.is_string()) return false;
  const std::string text = value.get<std::string>();
  absl::Time t;
  std::string error;
  return text.size() == 10 && absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &error) &&
         absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone()) == text;
}

Json RecordError(const std::string& code, const std::string& message, Json details) {
  return {
      {"code", code}, {"details", std::move(details)}, {"message", message}, {"status", "error"}};
}

Json FieldError(const std::string& field, const std::string& expected) {
  return RecordError("INVALID_DATA", "invalid data",
                     {{"api_name", field}, {"expected_data_type", expected}});
}

Reply ApiError(int status, const std::string& code, const std::string& message,
               Json details = Json::object()) {
  return Reply{.status = status, .body = RecordError(code, message, std::move(details))};
}

// 200/201 when every record succeeded, 400 when none did, 207 otherwise.
Reply RecordsReply(Json results, int all_ok_status, const std::string& key = "data") {
  int ok = 0;
  for (const auto& r : results) ok += r["status"] == "success";
  const int status = ok == static_cast<int>(results.size()) ? all_ok_status : ok == 0 ? 400 : 207;
  return Reply{.status = status, .body = {{key, std::move(results)}}};
}

int IntParam(const Params& query, const std::string& name, int fallback) {
  auto it = query.find(name);
  int value = 0;
  if (it == query.end() || !absl::SimpleAtoi(it->second, &value)) return fallback;
  return value;
}

// One page of `all` as CRM answers it; 204 (or 304 after If-Modified-Since) when empty.
Reply Page(const std::vector<Json>& all, const Params& query, bool conditional,
           const std::string& key = "data") {
  const int page = std::max(1, IntParam(query, "page", 1));
  const int per_page = std::clamp(IntParam(query, "per_page", kMaxPerPage), 1, kMaxPerPage);
  const size_t begin = static_cast<size_t>(page - 1) * per_page;
  if (begin >= all.size()) return Reply{.status = conditional ? 304 : 204};
  const size_t end = std::min(all.size(), begin + per_page);
  Json records = Json::array();
  for (size_t i = begin; i < end; ++i) records.push_back(all[i]);
  Json info = {{"per_page", per_page},
               {"count", end - begin},
               {"page", page},
               {"more_records", end < all.size()}};
  return Reply{.status = 200, .body = {{key, std::move(records)}, {"info", std::move(info)}}};
}

bool EventMatches(const std::vector<std::string>& events, const std::string& module,
                  const std::string& operation) {
  const std::string op = operation == "insert"   ? "create"
                         : operation == "update" ? "edit"
                                                 : "delete";
  for (const auto& event : events) {
    if (event == absl::StrCat(module, ".all") || event == absl::StrCat(module, ".", op))
      return true;
  }
  return false;
}

}  // namespace

std::string SimState::CrmAddUser(const std::string& email, const std::string& full_name) {
  for (const auto& [id, user] : crm_users_) {
    if (user["email"] == email) return id;
  }
  const std::string id = NewId();
  crm_users_[id] = {{"id", id}, {"email", email}, {"full_name", full_name}, {"status", "active"}};
  return id;
}

Json SimState::CrmUserRef(const std::string& email) const {
  for (const auto& [id, user] : crm_users_) {
    if (user["email"] == email) {
      return {{"id", id}, {"name", user["full_name"]}, {"email", email}};
    }
  }
  return {{"id", "0"}, {"name", email}, {"email", email}};
}

std::optional<Json> SimState::ValidateCrmRecord(const std::string& module, const Json& record,
                                                bool creating) const {
  if (!record.is_object()) return RecordError("INVALID_DATA", "invalid data", Json::object());
  const std::string mandatory = module == "Tasks"      ? "Subject"
                                : module == "Accounts" ? "Account_Name"
                                : module == "Deals"    ? "Deal_Name"
                                                       : "Note_Content";
  if (creating && (!record.contains(mandatory) || !record[mandatory].is_string() ||
                   record[mandatory].get<std::string>().empty())) {
    return RecordError("MANDATORY_NOT_FOUND", "required field not found",
                       {{"api_name", mandatory}});
  }
  for (const auto& [key, value] : record.items()) {
    if (key == "id" || key == "$se_module") continue;
    if (key == "Subject" || key == "Description" ||
        (key == "Account_Name" && module == "Accounts") || key == "Deal_Name" ||
        key == "Note_Title" || key == "Note_Content") {
      if (key == mandatory && !value.is_string()) return FieldError(key, "text");
      if (!value.is_string() && !value.is_null()) return FieldError(key, "text");
    } else if (key == "Due_Date") {
      if (!value.is_null() && !IsCrmDate(value)) return FieldError(key, "date");
    } else if (key == "Priority") {
      if (!value.is_null() &&
          (!value.is_string() || !kTaskPriorities.contains(value.get<std::string>()))) {
        return FieldError(key, "picklist");
      }
    } else if (key == "Status") {
      if (!value.is_null() &&
          (!value.is_string() || !kTaskStatuses.contains(value.get<std::string>()))) {
        return FieldError(key, "picklist");
      }
    } else if (key == "Owner") {
      if (!value.is_object() || !value.contains("id") || !value["id"].is_string() ||
          !crm_users_.contains(value["id"].get<std::string>())) {
        return FieldError(key, "ownerlookup");
      }
    } else if (key == "What_Id" || key == "Account_Name") {
      if (value.is_null()) continue;
      const std::string target =
          key == "Account_Name" ? "Accounts" : record.value("$se_module", std::string());
      if (target != "Accounts" && target != "Deals") return FieldError("$se_module", "text");
      if (!value.is_object() || !value.contains("id") || !value["id"].is_string() ||
          !crm_.contains(target) || !crm_.at(target).contains(value["id"].get<std::string>())) {
        return FieldError(key, "lookup");
      }
    }
  }
  return std::nullopt;
}

Reply SimState::CrmGetRecord(const std::string& module, const std::string& id) const {
  auto record = CrmRecord(module, id);
  if (!record.has_value()) return Reply{.status = 204};
  return Reply{.status = 200, .body = {{"data", Json::array({*record})}}};
}

Reply SimState::CrmListRecords(const std::string& module, const Params& query,
                               std::optional<absl::Time> modified_since) const {
  std::vector<Json> all;
  auto module_it = crm_.find(module);
  std::optional<std::set<std::string>> wanted;
  if (auto ids = query.find("ids"); ids != query.end()) {
    wanted.emplace();
    for (absl::string_view id : absl::StrSplit(ids->second, ',', absl::SkipEmpty())) {
      wanted->insert(std::string(id));
    }
    if (wanted->size() > kMaxRecordsPerCall) {
      return ApiError(400, "LIMIT_EXCEEDED", "the number of ids exceeds the limit",
                      {{"limit", kMaxRecordsPerCall}});
    }
  }
  if (module_it != crm_.end()) {
    for (const auto& [id, record] : module_it->second) {
      if (wanted.has_value() && !wanted->contains(id)) continue;
      if (modified_since.has_value()) {
        auto modified = ParseIso(record.value("Modified_Time", std::string()));
        if (!modified.has_value() || *modified <= *modified_since) continue;
      }
      all.push_back(record);
    }
  }
  return Page(all, query, modified_since.has_value());
}

absl::StatusOr<Json> SimState::CrmSeedRecord(const std::string& module, Json record,
                                             absl::Time now) {
  if (!kModules.contains(module) || module == "Notes") {
    return absl::InvalidArgumentError(absl::StrCat("unknown module \"", module, "\""));
  }
  if (auto error = ValidateCrmRecord(module, record, /*creating=*/true); error.has_value()) {
    return absl::InvalidArgumentError(error->dump());
  }
  const std::string id = NewId();
  record["id"] = id;
  record["Created_Time"] = record["Modified_Time"] = IsoTime(now);
  if (!record.contains("Owner") && !crm_users_.empty()) {
    const Json& user = crm_users_.begin()->second;
    record["Owner"] = {{"id", user["id"]}, {"name", user["full_name"]}, {"email", user["email"]}};
  }
  if (record.contains("Owner")) {
    const Json& user = crm_users_.at(record["Owner"]["id"].get<std::string>());
    record["Owner"] = {{"id", user["id"]}, {"name", user["full_name"]}, {"email", user["email"]}};
  }
  crm_[module][id] = record;
  return record;
}

std::optional<Json> SimState::CrmRecord(const std::string& module, const std::string& id) const {
  auto module_it = crm_.find(module);
  if (module_it == crm_.end()) return std::nullopt;
  auto record = module_it->second.find(id);
  if (record == module_it->second.end()) return std::nullopt;
  return record->second;
}

Reply SimState::CrmCreateRecords(const std::string& module, const Json& body,
                                 const std::string& actor, absl::Time now) {
  if (!body.is_object() || !body.contains("data") || !body["data"].is_array() ||
      body["data"].empty()) {
    return ApiError(400, "INVALID_DATA", "body must be {\"data\":[...]}", {{"api_name", "data"}});
  }
  if (body["data"].size() > kMaxRecordsPerCall) {
    return ApiError(400, "LIMIT_EXCEEDED", "the number of records exceeds the limit",
                    {{"limit", kMaxRecordsPerCall}});
  }
  Json results = Json::array();
  std::vector<std::string> created;
  const Json actor_ref = CrmUserRef(actor);
  for (const Json& input : body["data"]) {
    if (auto error = ValidateCrmRecord(module, input, /*creating=*/true); error.has_value()) {
      results.push_back(*error);
      continue;
    }
    Json record = input;
    const std::string id = NewId();
    record["id"] = id;
    record["Created_Time"] = record["Modified_Time"] = IsoTime(now);
    record["Created_By"] = record["Modified_By"] = actor_ref;
    if (!record.contains("Owner")) record["Owner"] = actor_ref;
    if (record["Owner"].contains("id") &&
        crm_users_.contains(record["Owner"]["id"].get<std::string>())) {
      const Json& user = crm_users_.at(record["Owner"]["id"].get<std::string>());
      record["Owner"] = {{"id", user["id"]}, {"name", user["full_name"]}, {"email", user["email"]}};
    }
    crm_[module][id] = record;
    created.push_back(id);
    results.push_back({{"code", "SUCCESS"},
                       {"details",
                        {{"Modified_Time", record["Modified_Time"]},
                         {"Modified_By", actor_ref},
                         {"Created_Time", record["Created_Time"]},
                         {"id", id},
                         {"Created_By", actor_ref}}},
                       {"message", "record added"},
                       {"status", "success"}});
  }
  if (!created.empty()) NotifyCrm(module, "insert", created, nullptr, now);
  return RecordsReply(std::move(results), 201);
}

Reply SimState::CrmUpdateRecords(const std::string& module, const Json& body,
                                 const std::string& actor, absl::Time now,
                                 const std::set<std::string>& refused_ids) {
  if (!body.is_object() || !body.contains("data") || !body["data"].is_array() ||
      body["data"].empty()) {
    return ApiError(400, "INVALID_DATA", "body must be {\"data\":[...]}", {{"api_name", "data"}});
  }
  if (body["data"].size() > kMaxRecordsPerCall) {
    return ApiError(400, "LIMIT_EXCEEDED", "the number of records exceeds the limit",
                    {{"limit", kMaxRecordsPerCall}});
  }
  Json results = Json::array();
  std::vector<std::string> updated;
  Json affected = Json::array();
  const Json actor_ref = CrmUserRef(actor);
  for (const Json& input : body["data"]) {
    if (!input.is_object() || !input.contains("id") || !input["id"].is_string()) {
      results.push_back(
          RecordError("MANDATORY_NOT_FOUND", "required field not found", {{"api_name", "id"}}));
      continue;
    }
    const std::string id = input["id"].get<std::string>();
    auto& records = crm_[module];
    auto existing = records.find(id);
    if (existing == records.end()) {
      results.push_back(
          RecordError("INVALID_DATA", "the id given seems to be invalid", {{"id", id}}));
      continue;
    }
    if (refused_ids.contains(id)) {
      results.push_back(RecordError("INVALID_DATA", "invalid data", {{"id", id}}));
      continue;
    }
    Json merged_check = input;
    if (input.contains("What_Id") && !input.contains("$se_module")) {
      merged_check["$se_module"] = existing->second.value("$se_module", std::string());
    }
    if (auto error = ValidateCrmRecord(module, merged_check, /*creating=*/false);
        error.has_value()) {
      results.push_back(*error);
      continue;
    }
    Json& record = existing->second;
    Json changed = Json::array();
    for (const auto& [key, value] : input.items()) {
      if (key == "id") continue;
      Json stored = value;
      if (key == "Owner") {
        const Json& user = crm_users_.at(value["id"].get<std::string>());
        stored = {{"id", user["id"]}, {"name", user["full_name"]}, {"email", user["email"]}};
      }
      if (!record.contains(key) || record[key] != stored) changed.push_back(key);
      record[key] = stored;
    }
    record["Modified_Time"] = IsoTime(now);
    record["Modified_By"] = actor_ref;
    updated.push_back(id);
    affected.push_back({{id, changed}});
    results.push_back({{"code", "SUCCESS"},
                       {"details",
                        {{"Modified_Time", record["Modified_Time"]},
                         {"Modified_By", actor_ref},
                         {"Created_Time", record.value("Created_Time", "")},
                         {"id", id},
                         {"Created_By", record.value("Created_By", actor_ref)}}},
                       {"message", "record updated"},
                       {"status", "success"}});
  }
  if (!updated.empty()) NotifyCrm(module, "update", updated, affected, now);
  return RecordsReply(std::move(results), 200);
}

Reply SimState::CrmDeleteRecord(const std::string& module, const std::string& id,
                                const std::string& actor, absl::Time now) {
  auto& records = crm_[module];
  auto existing = records.find(id);
  if (existing == records.end()) {
    return Reply{.status = 400,
                 .body = {{"data", Json::array({RecordError("INVALID_DATA",
                                                            "the id given seems to be invalid",
                                                            {{"id", id}})})}}};
  }
  const Json actor_ref = CrmUserRef(actor);
  crm_deleted_[module].push_back(
      {{"deleted_by", {{"name", actor_ref["name"]}, {"id", actor_ref["id"]}}},
       {"id", id},
       {"display_name",
        existing->second.value("Subject", existing->second.value("Account_Name", Json("")))},
       {"type", "recycle"},
       {"created_by", existing->second.value("Created_By", actor_ref)},
       {"deleted_time", IsoTime(now)}});
  records.erase(existing);
  NotifyCrm(module, "delete", {id}, nullptr, now);
  return Reply{.status = 200,
               .body = {{"data", Json::array({{{"code", "SUCCESS"},
                                               {"details", {{"id", id}}},
                                               {"message", "record deleted"},
                                               {"status", "success"}}})}}};
}

Reply SimState::CrmListDeleted(const std::string& module, const Params& query,
                               std::optional<absl::Time> since) const {
  std::vector<Json> all;
  if (auto it = crm_deleted_.find(module); it != crm_deleted_.end()) {
    for (const Json& entry : it->second) {
      if (since.has_value()) {
        auto when = ParseIso(entry["deleted_time"].get<std::string>());
        if (!when.has_value() || *when <= *since) continue;
      }
      all.push_back(entry);
    }
  }
  return Page(all, query, since.has_value());
}

Reply SimState::CrmAddNotes(const std::string& module, const std::string& parent_id,
                            const Json& body, const std::string& actor, absl::Time now) {
  auto parent = CrmRecord(module, parent_id);
  if (!parent.has_value()) {
    return ApiError(400, "INVALID_DATA", "the related id given seems to be invalid",
                    {{"api_name", "Parent_Id"}, {"id", parent_id}});
  }
  if (!body.is_object() || !body.contains("data") || !body["data"].is_array() ||
      body["data"].empty()) {
    return ApiError(400, "INVALID_DATA", "body must be {\"data\":[...]}", {{"api_name", "data"}});
  }
  Json results = Json::array();
  const Json actor_ref = CrmUserRef(actor);
  for (const Json& input : body["data"]) {
    if (auto error = ValidateCrmRecord("Notes", input, /*creating=*/true); error.has_value()) {
      results.push_back(*error);
      continue;
    }
    const std::string id = NewId();
    Json note = {{"id", id},
                 {"Note_Title", input.value("Note_Title", Json(nullptr))},
                 {"Note_Content", input["Note_Content"]},
                 {"Parent_Id", {{"id", parent_id}, {"name", parent->value("Subject", "")}}},
                 {"$se_module", module},
                 {"Owner", actor_ref},
                 {"Created_By", actor_ref},
                 {"Modified_By", actor_ref},
                 {"Created_Time", IsoTime(now)},
                 {"Modified_Time", IsoTime(now)}};
    crm_["Notes"][id] = note;
    crm_notes_of_[parent_id].push_back(id);
    results.push_back({{"code", "SUCCESS"},
                       {"details",
                        {{"Modified_Time", note["Modified_Time"]},
                         {"Modified_By", actor_ref},
                         {"Created_Time", note["Created_Time"]},
                         {"id", id},
                         {"Created_By", actor_ref}}},
                       {"message", "record added"},
                       {"status", "success"}});
  }
  // No callback: no channel can watch Notes (kWatchModules).
  return RecordsReply(std::move(results), 201);
}

Reply SimState::CrmListNotes(const std::string& module, const std::string& parent_id,
                             const Params& query) const {
  if (!CrmRecord(module, parent_id).has_value()) {
    return ApiError(400, "INVALID_DATA", "the related id given seems to be invalid",
                    {{"id", parent_id}});
  }
  std::vector<Json> notes;
  if (auto it = crm_notes_of_.find(parent_id); it != crm_notes_of_.end()) {
    for (const auto& id : it->second) {
      if (auto note = CrmRecord("Notes", id); note.has_value()) notes.push_back(*note);
    }
  }
  return Page(notes, query, false);
}

Reply SimState::CrmListUsers(const Params& query) const {
  std::vector<Json> users;
  for (const auto& [id, user] : crm_users_) users.push_back(user);
  return Page(users, query, false, "users");
}

Reply SimState::CrmEnableWatch(const Json& body, absl::Time now) {
  if (!body.is_object() || !body.contains("watch") || !body["watch"].is_array() ||
      body["watch"].empty()) {
    return ApiError(400, "INVALID_DATA", "body must be {\"watch\":[...]}", {{"api_name", "watch"}});
  }
  Json results = Json::array();
  for (const Json& item : body["watch"]) {
    auto field_error = [](const std::string& field, const std::string& message) {
      return RecordError("INVALID_DATA", message, {{"api_name", field}});
    };
    if (!item.is_object() || !item.contains("channel_id") ||
        !(item["channel_id"].is_number_integer() || item["channel_id"].is_string())) {
      results.push_back(field_error("channel_id", "channel_id is required"));
      continue;
    }
    int64_t channel_id = 0;
    if (item["channel_id"].is_string()
            ? !absl::SimpleAtoi(item["channel_id"].get<std::string>(), &channel_id)
            : (channel_id = item["channel_id"].get<int64_t>(), false)) {
      results.push_back(field_error("channel_id", "channel_id must be a number"));
      continue;
    }
    if (!item.contains("events") || !item["events"].is_array() || item["events"].empty()) {
      results.push_back(field_error("events", "events are required"));
      continue;
    }
    std::vector<std::string> events;
    bool events_ok = true;
    for (const Json& event : item["events"]) {
      std::vector<std::string> parts = event.is_string()
                                           ? absl::StrSplit(event.get<std::string>(), '.')
                                           : std::vector<std::string>{};
      if (parts.size() != 2 || !kWatchModules.contains(parts[0]) ||
          (parts[1] != "all" && parts[1] != "create" && parts[1] != "edit" &&
           parts[1] != "delete")) {
        events_ok = false;
        break;
      }
      events.push_back(event.get<std::string>());
    }
    if (!events_ok) {
      results.push_back(field_error("events", "invalid event"));
      continue;
    }
    if (!item.contains("notify_url") || !item["notify_url"].is_string() ||
        !(item["notify_url"].get<std::string>().rfind("http://", 0) == 0 ||
          item["notify_url"].get<std::string>().rfind("https://", 0) == 0)) {
      results.push_back(field_error("notify_url", "notify_url must be an http(s) URL"));
      continue;
    }
    const std::string token = item.value("token", std::string());
    if (token.size() > 50) {
      results.push_back(field_error("token", "token is longer than 50 characters"));
      continue;
    }
    // "Maximum of only one day from the time they were enabled. If it is not specified or set for
    // more than a day, the default expiry time is for one hour." (CRM v2 Enable Notifications;
    // v4 and later allow a week.) So a later expiry is not refused: it becomes one hour.
    absl::Time expiry = now + absl::Hours(1);
    if (item.contains("channel_expiry")) {
      auto parsed = item["channel_expiry"].is_string()
                        ? ParseIso(item["channel_expiry"].get<std::string>())
                        : std::nullopt;
      if (!parsed.has_value() || *parsed <= now) {
        results.push_back(field_error("channel_expiry", "channel_expiry must be in the future"));
        continue;
      }
      if (*parsed <= now + options_.max_channel_lifetime) expiry = *parsed;
    }
    channels_[channel_id] =
        Channel{.channel_id = channel_id,
                .events = events,
                .notify_url = item["notify_url"].get<std::string>(),
                .token = token,
                .expiry = expiry,
                .return_affected_field_values = item.value("return_affected_field_values", false)};
    Json details = Json::array();
    for (const auto& event : events) {
      const std::string module = event.substr(0, event.find('.'));
      details.push_back({{"channel_expiry", IsoTime(expiry)},
                         {"resource_uri", absl::StrCat(base_url_, "/crm/v2/", module)},
                         {"resource_id", module},
                         {"resource_name", module},
                         {"channel_id", absl::StrCat(channel_id)}});
    }
    results.push_back({{"code", "SUCCESS"},
                       {"details", {{"events", details}}},
                       {"message", "Successfully subscribed for actions-watch of the given module"},
                       {"status", "success"}});
  }
  return RecordsReply(std::move(results), 200, "watch");
}

Reply SimState::CrmUpdateWatch(const Json& body, absl::Time now) {
  if (body.is_object() && body.contains("watch") && body["watch"].is_array()) {
    for (const Json& item : body["watch"]) {
      int64_t channel_id = 0;
      const bool known = item.is_object() && item.contains("channel_id") &&
                         ((item["channel_id"].is_number_integer() &&
                           channels_.contains(item["channel_id"].get<int64_t>())) ||
                          (item["channel_id"].is_string() &&
                           absl::SimpleAtoi(item["channel_id"].get<std::string>(), &channel_id) &&
                           channels_.contains(channel_id)));
      if (!known) {
        return Reply{.status = 400,
                     .body = {{"watch", Json::array({RecordError("INVALID_DATA",
                                                                 "the channel is not subscribed",
                                                                 {{"api_name", "channel_id"}})})}}};
      }
    }
  }
  return CrmEnableWatch(body, now);
}

Reply SimState::CrmDisableWatch(const Params& query) {
  auto ids = query.find("channel_ids");
  if (ids == query.end() || ids->second.empty()) {
    return ApiError(400, "REQUIRED_PARAM_MISSING", "channel_ids is required",
                    {{"param", "channel_ids"}});
  }
  Json results = Json::array();
  for (absl::string_view text : absl::StrSplit(ids->second, ',', absl::SkipEmpty())) {
    int64_t id = 0;
    auto channel = absl::SimpleAtoi(text, &id) ? channels_.find(id) : channels_.end();
    if (channel == channels_.end()) {
      results.push_back(RecordError("INVALID_DATA", "the channel is not subscribed",
                                    {{"channel_id", std::string(text)}}));
      continue;
    }
    Json events = Json::array();
    for (const auto& event : channel->second.events) events.push_back(event);
    channels_.erase(channel);
    results.push_back({{"code", "SUCCESS"},
                       {"details", {{"events", events}, {"channel_id", std::string(text)}}},
                       {"message", "Successfully unsubscribed from actions-watch"},
                       {"status", "success"}});
  }
  return RecordsReply(std::move(results), 200, "watch");
}

Reply SimState::CrmListWatch(absl::Time now) const {
  Json channels = Json::array();
  for (const auto& [id, channel] : channels_) {
    if (channel.expiry <= now) continue;
    channels.push_back({{"channel_id", absl::StrCat(id)},
                        {"events", channel.events},
                        {"notify_url", channel.notify_url},
                        {"channel_expiry", IsoTime(channel.expiry)}});
  }
  if (channels.empty()) return Reply{.status = 204};
  return Reply{.status = 200, .body = {{"watch", channels}}};
}

void SimState::NotifyCrm(const std::string& module, const std::string& operation,
                         const std::vector<std::string>& ids, const Json& affected,
                         absl::Time now) {
  for (const auto& [id, channel] : channels_) {
    if (channel.expiry <= now || !EventMatches(channel.events, module, operation)) continue;
    Json body = {
        {"server_time", absl::ToUnixMillis(now)},
        {"query_params", Json::object()},
        {"module", module},
        {"resource_uri", absl::StrCat(base_url_, "/crm/v2/", module)},
        {"ids", ids},
        {"affected_fields",
         channel.return_affected_field_values && affected.is_array() ? affected : Json::array()},
        {"operation", operation},
        {"channel_id", id},
        {"token", channel.token}};
    outbox_.push_back(Webhook{
        .url = channel.notify_url, .content_type = "application/json", .body = body.dump()});
  }
}

}  // namespace crmsync::zoho_sim

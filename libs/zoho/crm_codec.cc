#include "libs/zoho/crm_codec.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/zoho/dates.h"

namespace crmsync::zoho {
namespace {

absl::StatusOr<std::optional<CrmRef>> OptionalRef(const Json& json, absl::string_view name,
                                                  absl::string_view where) {
  ASSIGN_OR_RETURN(const Json* ref, OptionalObject(json, name, where));
  if (ref == nullptr) return std::optional<CrmRef>();
  ASSIGN_OR_RETURN(CrmRef parsed, ParseCrmRef(*ref, FieldPath(where, name)));
  return std::optional<CrmRef>(std::move(parsed));
}

absl::StatusOr<absl::Time> RequiredTime(const Json& json, absl::string_view name,
                                        absl::string_view where) {
  ASSIGN_OR_RETURN(std::string text, RequiredString(json, name, where));
  auto time = ParseIsoDateTime(text);
  if (!time.ok()) return FieldError(FieldPath(where, name), time.status().message());
  return *time;
}

}  // namespace

absl::StatusOr<CrmRef> ParseCrmRef(const Json& json, absl::string_view where) {
  CrmRef ref;
  ASSIGN_OR_RETURN(ref.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(ref.name, OptionalString(json, "name", where));
  return ref;
}

absl::StatusOr<CrmTask> ParseCrmTask(const Json& json, absl::string_view where) {
  CrmTask task;
  ASSIGN_OR_RETURN(task.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(task.subject, RequiredString(json, "Subject", where));
  ASSIGN_OR_RETURN(task.description, OptionalString(json, "Description", where));
  ASSIGN_OR_RETURN(std::optional<std::string> due, OptionalString(json, "Due_Date", where));
  if (due.has_value()) {
    auto day = ParseCrmDate(*due);
    if (!day.ok()) return FieldError(FieldPath(where, "Due_Date"), day.status().message());
    task.due_date = *day;
  }
  ASSIGN_OR_RETURN(task.priority, OptionalString(json, "Priority", where));
  ASSIGN_OR_RETURN(task.status, OptionalString(json, "Status", where));
  ASSIGN_OR_RETURN(task.owner, OptionalRef(json, "Owner", where));
  ASSIGN_OR_RETURN(task.what_id, OptionalRef(json, "What_Id", where));
  ASSIGN_OR_RETURN(task.se_module, OptionalString(json, "$se_module", where));
  if (task.what_id.has_value() && !task.se_module.has_value()) {
    return FieldError(FieldPath(where, "$se_module"), "missing beside What_Id");
  }
  ASSIGN_OR_RETURN(task.modified_time, RequiredTime(json, "Modified_Time", where));
  ASSIGN_OR_RETURN(task.modified_by, OptionalRef(json, "Modified_By", where));
  return task;
}

absl::StatusOr<CrmNote> ParseCrmNote(const Json& json, absl::string_view where) {
  CrmNote note;
  ASSIGN_OR_RETURN(note.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(note.title, OptionalString(json, "Note_Title", where));
  ASSIGN_OR_RETURN(note.content, RequiredString(json, "Note_Content", where));
  ASSIGN_OR_RETURN(const Json* parent, RequiredObject(json, "Parent_Id", where));
  ASSIGN_OR_RETURN(note.parent_id, RequiredId(*parent, "id", FieldPath(where, "Parent_Id")));
  ASSIGN_OR_RETURN(note.parent_module, OptionalString(json, "$se_module", where));
  ASSIGN_OR_RETURN(note.created_time, RequiredTime(json, "Created_Time", where));
  note.modified_time = note.created_time;
  if (json.contains("Modified_Time") && !json["Modified_Time"].is_null()) {
    ASSIGN_OR_RETURN(note.modified_time, RequiredTime(json, "Modified_Time", where));
  }
  ASSIGN_OR_RETURN(note.owner, OptionalRef(json, "Owner", where));
  ASSIGN_OR_RETURN(note.created_by, OptionalRef(json, "Created_By", where));
  return note;
}

absl::StatusOr<CrmDeletedRecord> ParseCrmDeletedRecord(const Json& json, absl::string_view where) {
  CrmDeletedRecord record;
  ASSIGN_OR_RETURN(record.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(record.display_name, OptionalString(json, "display_name", where));
  ASSIGN_OR_RETURN(record.deleted_time, RequiredTime(json, "deleted_time", where));
  ASSIGN_OR_RETURN(record.deleted_by, OptionalRef(json, "deleted_by", where));
  return record;
}

absl::StatusOr<CrmAccount> ParseCrmAccount(const Json& json, absl::string_view where) {
  CrmAccount account;
  ASSIGN_OR_RETURN(account.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(account.name, RequiredString(json, "Account_Name", where));
  return account;
}

absl::StatusOr<CrmDeal> ParseCrmDeal(const Json& json, absl::string_view where) {
  CrmDeal deal;
  ASSIGN_OR_RETURN(deal.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(deal.name, RequiredString(json, "Deal_Name", where));
  ASSIGN_OR_RETURN(deal.account, OptionalRef(json, "Account_Name", where));
  return deal;
}

absl::StatusOr<CrmUser> ParseCrmUser(const Json& json, absl::string_view where) {
  CrmUser user;
  ASSIGN_OR_RETURN(user.id, RequiredId(json, "id", where));
  ASSIGN_OR_RETURN(user.email, RequiredString(json, "email", where));
  ASSIGN_OR_RETURN(user.full_name, RequiredString(json, "full_name", where));
  return user;
}

absl::StatusOr<CrmRecordResult> ParseCrmRecordResult(const Json& json, absl::string_view where) {
  CrmRecordResult result;
  ASSIGN_OR_RETURN(result.code, RequiredString(json, "code", where));
  ASSIGN_OR_RETURN(std::string status, RequiredString(json, "status", where));
  if (status != "success" && status != "error") {
    return FieldError(FieldPath(where, "status"),
                      absl::StrCat("expected \"success\" or \"error\", got \"", status, "\""));
  }
  result.success = status == "success";
  ASSIGN_OR_RETURN(std::optional<std::string> message, OptionalString(json, "message", where));
  result.message = message.value_or("");
  ASSIGN_OR_RETURN(const Json* details, OptionalObject(json, "details", where));
  if (details != nullptr) {
    const std::string path = FieldPath(where, "details");
    ASSIGN_OR_RETURN(result.id, OptionalId(*details, "id", path));
    ASSIGN_OR_RETURN(result.field, OptionalString(*details, "api_name", path));
  }
  return result;
}

absl::StatusOr<std::vector<CrmRecordResult>> ParseCrmRecordResults(const Json& body,
                                                                   absl::string_view key) {
  ASSIGN_OR_RETURN(const Json* items, RequiredArray(body, key, ""));
  std::vector<CrmRecordResult> results;
  for (size_t i = 0; i < items->size(); ++i) {
    ASSIGN_OR_RETURN(CrmRecordResult result,
                     ParseCrmRecordResult((*items)[i], absl::StrCat(key, "[", i, "]")));
    results.push_back(std::move(result));
  }
  return results;
}

absl::StatusOr<CrmWatchEvent> ParseCrmWatchEvent(const Json& json, absl::string_view where) {
  CrmWatchEvent event;
  ASSIGN_OR_RETURN(event.channel_id, RequiredId(json, "channel_id", where));
  ASSIGN_OR_RETURN(event.resource_name, RequiredString(json, "resource_name", where));
  ASSIGN_OR_RETURN(event.channel_expiry, RequiredTime(json, "channel_expiry", where));
  return event;
}

absl::StatusOr<CrmNotification> ParseCrmNotification(absl::string_view body) {
  ASSIGN_OR_RETURN(Json json, ParseJson(body, "CRM notification"));
  CrmNotification notification;
  ASSIGN_OR_RETURN(notification.module, RequiredString(json, "module", ""));
  ASSIGN_OR_RETURN(const Json* ids, RequiredArray(json, "ids", ""));
  for (size_t i = 0; i < ids->size(); ++i) {
    const Json& id = (*ids)[i];
    if (!id.is_string() || id.get<std::string>().empty()) {
      return FieldError(absl::StrCat("ids[", i, "]"), "expected a non-empty string");
    }
    notification.ids.push_back(id.get<std::string>());
  }
  ASSIGN_OR_RETURN(notification.operation, RequiredString(json, "operation", ""));
  if (notification.operation != "insert" && notification.operation != "update" &&
      notification.operation != "delete") {
    return FieldError("operation",
                      absl::StrCat("unknown operation \"", notification.operation, "\""));
  }
  ASSIGN_OR_RETURN(notification.channel_id, RequiredId(json, "channel_id", ""));
  ASSIGN_OR_RETURN(notification.token, RequiredString(json, "token", ""));
  ASSIGN_OR_RETURN(int64_t server_time, RequiredInt(json, "server_time", ""));
  notification.server_time = FromEpochMillis(server_time);
  auto affected = json.find("affected_fields");
  if (affected != json.end() && !affected->is_null()) {
    if (!affected->is_array()) return FieldError("affected_fields", "expected an array");
    for (size_t i = 0; i < affected->size(); ++i) {
      const Json& entry = (*affected)[i];
      const std::string path = absl::StrCat("affected_fields[", i, "]");
      if (!entry.is_object()) return FieldError(path, "expected an object");
      for (const auto& [id, fields] : entry.items()) {
        if (!fields.is_array()) return FieldError(FieldPath(path, id), "expected an array");
        for (const Json& field : fields) {
          if (!field.is_string()) return FieldError(FieldPath(path, id), "expected strings");
          notification.affected_fields[id].push_back(field.get<std::string>());
        }
      }
    }
  }
  return notification;
}

absl::StatusOr<Json> CrmTaskWriteToJson(const CrmTaskWrite& task) {
  if (task.what_id.has_value() != task.se_module.has_value()) {
    return absl::InvalidArgumentError("what_id and se_module go together");
  }
  Json json = Json::object();
  if (task.id) json["id"] = *task.id;
  if (task.subject) json["Subject"] = *task.subject;
  if (task.description) {
    json["Description"] = task.description->has_value() ? Json(**task.description) : Json(nullptr);
  }
  if (task.due_date) {
    json["Due_Date"] =
        task.due_date->has_value() ? Json(FormatCrmDate(**task.due_date)) : Json(nullptr);
  }
  if (task.priority)
    json["Priority"] = task.priority->empty() ? Json(nullptr) : Json(*task.priority);
  if (task.status) json["Status"] = *task.status;
  if (task.owner_id) json["Owner"] = {{"id", *task.owner_id}};
  if (task.what_id) {
    json["What_Id"] = {{"id", *task.what_id}};
    json["$se_module"] = *task.se_module;
  }
  return json;
}

Json CrmWatchSpecToJson(const CrmWatchSpec& spec) {
  Json watch = {{"channel_id", spec.channel_id},
                {"events", spec.events},
                {"notify_url", spec.notify_url},
                {"token", spec.token},
                {"return_affected_field_values", spec.return_affected_field_values}};
  if (spec.expiry.has_value()) watch["channel_expiry"] = FormatIsoDateTime(*spec.expiry);
  return {{"watch", Json::array({watch})}};
}

}  // namespace crmsync::zoho

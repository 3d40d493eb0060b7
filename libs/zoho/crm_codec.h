// Zoho CRM v2 records as plain C++ structs, and their strict JSON codecs. Field names follow
// ../shared/ZOHO_API.md: Tasks (Subject, Description, Due_Date yyyy-mm-dd, Priority, Status,
// Owner{id}, What_Id{id} with $se_module, Modified_Time), Notes, Accounts, Deals, users, watch
// channels and their notification callbacks.
#ifndef CRMSYNC_LIBS_ZOHO_CRM_CODEC_H_
#define CRMSYNC_LIBS_ZOHO_CRM_CODEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/zoho/json_fields.h"

namespace crmsync::zoho {

// A lookup: the id of another record or user, with its display name when CRM gives one.
struct CrmRef {
  std::string id;
  std::optional<std::string> name = std::nullopt;
};

struct CrmTask {
  std::string id;
  std::string subject;
  std::optional<std::string> description;
  std::optional<absl::CivilDay> due_date;
  std::optional<std::string> priority;  // a picklist value, e.g. "High"
  std::optional<std::string> status;    // a picklist value, e.g. "Completed"
  std::optional<CrmRef> owner;
  std::optional<CrmRef> what_id;
  std::optional<std::string> se_module;  // "Accounts" or "Deals", with what_id
  absl::Time modified_time;
  std::optional<CrmRef> modified_by;
};

// The fields of a task to create or update. Absent fields are not sent; for description and
// due_date a present-but-empty inner value clears the field, and so does an empty priority (CRM's
// "-None-", which it takes as null and refuses as "").
struct CrmTaskWrite {
  std::optional<std::string> id = std::nullopt;  // required for an update
  std::optional<std::string> subject = std::nullopt;
  std::optional<std::optional<std::string>> description = std::nullopt;
  std::optional<std::optional<absl::CivilDay>> due_date = std::nullopt;
  std::optional<std::string> priority = std::nullopt;
  std::optional<std::string> status = std::nullopt;
  std::optional<std::string> owner_id = std::nullopt;
  std::optional<std::string> what_id = std::nullopt;
  std::optional<std::string> se_module = std::nullopt;  // required with what_id
};

// The outcome for one record of a create, update, delete or watch call, in request order.
struct CrmRecordResult {
  bool success = false;
  std::string code;  // "SUCCESS", "INVALID_DATA", "MANDATORY_NOT_FOUND", ...
  std::string message;
  std::optional<std::string> id;     // the record's id (details.id) when given
  std::optional<std::string> field;  // the offending field (details.api_name) when given
};

struct CrmNote {
  std::string id;
  std::optional<std::string> title;
  std::string content;
  std::string parent_id;
  // The parent's module ($se_module, e.g. "Tasks"); nullopt when CRM leaves it out.
  std::optional<std::string> parent_module;
  absl::Time created_time;
  // Modified_Time; the created time when CRM leaves it out.
  absl::Time modified_time;
  std::optional<CrmRef> owner;
  std::optional<CrmRef> created_by;
};

struct CrmDeletedRecord {
  std::string id;
  std::optional<std::string> display_name;
  absl::Time deleted_time;
  std::optional<CrmRef> deleted_by;
};

struct CrmAccount {
  std::string id;
  std::string name;  // Account_Name
};

struct CrmDeal {
  std::string id;
  std::string name;  // Deal_Name
  std::optional<CrmRef> account;
};

struct CrmUser {
  std::string id;
  std::string email;
  std::string full_name;
};

template <typename T>
struct CrmPage {
  std::vector<T> records;
  bool more_records = false;
};

// A watch channel to enable or renew.
struct CrmWatchSpec {
  int64_t channel_id = 0;
  // e.g. {"Tasks.all"}: record modules only; CRM's watch does not cover Notes.
  std::vector<std::string> events;
  std::string notify_url;
  std::string token;  // at most 50 characters; echoed in every callback
  // At most one day ahead; none, or one further ahead, and CRM sets one hour.
  std::optional<absl::Time> expiry = std::nullopt;
  bool return_affected_field_values = true;
};

// One subscribed event of a channel as CRM confirms it.
struct CrmWatchEvent {
  std::string channel_id;
  std::string resource_name;  // the module
  absl::Time channel_expiry;
};

// The body CRM POSTs to a channel's notify_url.
struct CrmNotification {
  std::string module;
  std::vector<std::string> ids;
  std::string operation;  // "insert", "update" or "delete"
  std::string channel_id;
  std::string token;
  absl::Time server_time;
  // For updates of channels with return_affected_field_values: record id → changed fields.
  std::map<std::string, std::vector<std::string>> affected_fields;
};

// Decoders: `where` prefixes field paths in errors (e.g. "data[3]").
absl::StatusOr<CrmRef> ParseCrmRef(const Json& json, absl::string_view where);
absl::StatusOr<CrmTask> ParseCrmTask(const Json& json, absl::string_view where);
absl::StatusOr<CrmNote> ParseCrmNote(const Json& json, absl::string_view where);
absl::StatusOr<CrmDeletedRecord> ParseCrmDeletedRecord(const Json& json, absl::string_view where);
absl::StatusOr<CrmAccount> ParseCrmAccount(const Json& json, absl::string_view where);
absl::StatusOr<CrmDeal> ParseCrmDeal(const Json& json, absl::string_view where);
absl::StatusOr<CrmUser> ParseCrmUser(const Json& json, absl::string_view where);
absl::StatusOr<CrmRecordResult> ParseCrmRecordResult(const Json& json, absl::string_view where);
absl::StatusOr<CrmWatchEvent> ParseCrmWatchEvent(const Json& json, absl::string_view where);
// A callback body as received on notify_url.
absl::StatusOr<CrmNotification> ParseCrmNotification(absl::string_view body);

// The per-record results under `key` ("data" or "watch") of a write reply.
absl::StatusOr<std::vector<CrmRecordResult>> ParseCrmRecordResults(const Json& body,
                                                                   absl::string_view key);

// Encoders. A write with what_id but no se_module (or the reverse) is INVALID_ARGUMENT.
absl::StatusOr<Json> CrmTaskWriteToJson(const CrmTaskWrite& task);
Json CrmWatchSpecToJson(const CrmWatchSpec& spec);

}  // namespace crmsync::zoho

#endif  // CRMSYNC_LIBS_ZOHO_CRM_CODEC_H_

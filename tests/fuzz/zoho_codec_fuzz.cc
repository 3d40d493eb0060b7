// Fuzz target: the strict Zoho JSON codecs (libs/zoho/crm_codec.h, projects_codec.h). The input
// is a reply body; every record decoder reads the body and each element of its top-level arrays
// ("data", "tasks", "comments", ...). Invariants: nothing crashes, and a CRM task that decodes
// survives CrmTaskWriteToJson and decodes again to the same fields.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "libs/zoho/crm_codec.h"
#include "libs/zoho/dates.h"
#include "libs/zoho/projects_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace crmsync::zoho {
namespace {

// The write that recreates `task`, as Zoho would store it.
CrmTaskWrite WriteOf(const CrmTask& task) {
  CrmTaskWrite write;
  write.id = task.id;
  write.subject = task.subject;
  write.description = task.description;
  write.due_date = task.due_date;
  write.priority = task.priority;
  write.status = task.status;
  if (task.owner) write.owner_id = task.owner->id;
  // CRM may name a module without a record; a write names both or neither.
  if (task.what_id) {
    write.what_id = task.what_id->id;
    write.se_module = task.se_module;
  }
  return write;
}

void CheckTaskRoundTrip(const CrmTask& task) {
  absl::StatusOr<Json> json = CrmTaskWriteToJson(WriteOf(task));
  FUZZ_CHECK(json.ok());
  (*json)["Modified_Time"] = FormatIsoDateTime(task.modified_time);
  absl::StatusOr<CrmTask> again = ParseCrmTask(*json, "");
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->id == task.id);
  FUZZ_CHECK(again->subject == task.subject);
  FUZZ_CHECK(again->description == task.description);
  FUZZ_CHECK(again->due_date == task.due_date);
  FUZZ_CHECK(again->priority == task.priority);
  FUZZ_CHECK(again->status == task.status);
  FUZZ_CHECK(again->owner.has_value() == task.owner.has_value());
  if (task.owner) FUZZ_CHECK(again->owner->id == task.owner->id);
  FUZZ_CHECK(again->what_id.has_value() == task.what_id.has_value());
  if (task.what_id) {
    FUZZ_CHECK(again->what_id->id == task.what_id->id);
    FUZZ_CHECK(again->se_module == task.se_module);
  }
  FUZZ_CHECK(again->modified_time == task.modified_time);
}

void DecodeRecord(const Json& json) {
  if (absl::StatusOr<CrmTask> task = ParseCrmTask(json, "data[0]"); task.ok()) {
    CheckTaskRoundTrip(*task);
  }
  (void)ParseCrmRef(json, "");
  (void)ParseCrmNote(json, "");
  (void)ParseCrmDeletedRecord(json, "");
  (void)ParseCrmAccount(json, "");
  (void)ParseCrmDeal(json, "");
  (void)ParseCrmUser(json, "");
  (void)ParseCrmRecordResult(json, "");
  (void)ParseCrmWatchEvent(json, "");
  (void)ParseProjectsPortal(json, "");
  (void)ParseProjectsProject(json, "");
  (void)ParseProjectsClientCompany(json, "");
  (void)ParseProjectsUser(json, "");
  (void)ParseProjectsTask(json, "");
  (void)ParseProjectsComment(json, "");
}

}  // namespace
}  // namespace crmsync::zoho

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using crmsync::zoho::Json;
  absl::StatusOr<Json> body = crmsync::zoho::ParseJson(
      absl::string_view(reinterpret_cast<const char*>(data), size), "body");
  if (!body.ok()) return 0;
  crmsync::zoho::DecodeRecord(*body);
  if (!body->is_object()) return 0;
  (void)crmsync::zoho::ParseCrmRecordResults(*body, "data");
  (void)crmsync::zoho::ParseCrmRecordResults(*body, "watch");
  for (const auto& [key, value] : body->items()) {
    if (!value.is_array()) continue;
    for (const Json& record : value) crmsync::zoho::DecodeRecord(record);
  }
  return 0;
}

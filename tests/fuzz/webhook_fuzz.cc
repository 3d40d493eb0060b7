// Fuzz target: what the webhook receivers (services/sync/ingest/webhook_receiver.h) parse before
// they touch the database. The first byte picks the side: 'c' for a CRM notification body (JSON),
// anything else for a Projects form body (parsed as the webhook server parses it). Invariants: a
// CRM body ParseCrmNotification accepts is JSON the receiver can read again (it re-parses the body
// without a try); a Projects webhook that parses carries exactly the parameters it was sent.
#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "libs/http/url.h"
#include "libs/zoho/crm_codec.h"
#include "libs/zoho/projects_codec.h"
#include "nlohmann/json.hpp"
#include "tests/fuzz/fuzz_check.h"

namespace {

// The first value of `name`, as the receiver reads it; "" when absent.
std::string First(const crmsync::http::Params& params, absl::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return "";
}

void CrmBody(absl::string_view body) {
  absl::StatusOr<crmsync::zoho::CrmNotification> notification =
      crmsync::zoho::ParseCrmNotification(body);
  if (!notification.ok()) return;
  FUZZ_CHECK(nlohmann::json::accept(body.begin(), body.end()));
  FUZZ_CHECK(notification->operation == "insert" || notification->operation == "update" ||
             notification->operation == "delete");
  for (const std::string& id : notification->ids) FUZZ_CHECK(!id.empty());
}

void ProjectsBody(const std::string& body) {
  httplib::Params form;
  httplib::detail::parse_query_text(body, form);
  const crmsync::http::Params params(form.begin(), form.end());
  absl::StatusOr<crmsync::zoho::ProjectsWebhook> webhook =
      crmsync::zoho::ParseProjectsWebhook(params);
  if (!webhook.ok()) return;
  FUZZ_CHECK(webhook->event == First(params, "event"));
  FUZZ_CHECK(webhook->portal_id == First(params, "portal_id"));
  FUZZ_CHECK(webhook->project_id == First(params, "project_id"));
  FUZZ_CHECK(webhook->task_id == First(params, "task_id"));
  FUZZ_CHECK(!webhook->portal_id.empty() && !webhook->task_id.empty());
  FUZZ_CHECK(webhook->comment_id.value_or("") == First(params, "comment_id"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 'c') {
    CrmBody(rest);
  } else {
    ProjectsBody(rest);
  }
  return 0;
}

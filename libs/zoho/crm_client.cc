#include "libs/zoho/crm_client.h"

#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/zoho/api_error.h"
#include "libs/zoho/dates.h"

namespace crmsync::zoho {
namespace {

template <typename T>
using Parser = absl::StatusOr<T> (*)(const Json&, absl::string_view);

// The records under `key` of a list reply; null (204/304) is an empty page.
template <typename T>
absl::StatusOr<CrmPage<T>> ParsePage(const Json& body, absl::string_view key, Parser<T> parse) {
  CrmPage<T> page;
  if (body.is_null()) return page;
  ASSIGN_OR_RETURN(const Json* records, RequiredArray(body, key, ""));
  for (size_t i = 0; i < records->size(); ++i) {
    ASSIGN_OR_RETURN(T record, parse((*records)[i], absl::StrCat(key, "[", i, "]")));
    page.records.push_back(std::move(record));
  }
  ASSIGN_OR_RETURN(const Json* info, OptionalObject(body, "info", ""));
  if (info != nullptr) {
    ASSIGN_OR_RETURN(page.more_records, RequiredBool(*info, "more_records", "info"));
  }
  return page;
}

absl::Status CheckBatch(size_t size) {
  if (size == 0) return absl::InvalidArgumentError("no records to write");
  if (size > CrmClient::kMaxRecordsPerCall) {
    return absl::InvalidArgumentError(absl::StrCat(size, " records in one call; CRM takes at most ",
                                                   CrmClient::kMaxRecordsPerCall));
  }
  return absl::OkStatus();
}

absl::Status CheckId(absl::string_view id) {
  if (id.empty() || id.find_first_not_of("0123456789") != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("not a CRM record id: \"", id, "\""));
  }
  return absl::OkStatus();
}

absl::Status ResultError(const CrmRecordResult& result, absl::string_view what) {
  return ZohoError(absl::StatusCode::kInvalidArgument, result.code,
                   absl::StrCat(what, ": ", result.code,
                                result.field ? absl::StrCat(" (", *result.field, ")") : "", ": ",
                                result.message));
}

}  // namespace

CrmClient::CrmClient(http::HttpClient& http, std::string api_domain)
    : http_(http), api_domain_(std::move(api_domain)) {}

absl::StatusOr<Json> CrmClient::Call(http::Method method, absl::string_view token,
                                     absl::string_view path, const http::Params& query,
                                     const Json* body, std::optional<absl::Time> if_modified_since,
                                     bool results_in_error_body) {
  http::Request request{.method = method,
                        .url = http::WithQuery(absl::StrCat(api_domain_, "/crm/v2", path), query)};
  AddZohoAuthorization(request, token);
  if (body != nullptr) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body->dump();
  }
  if (if_modified_since.has_value()) {
    request.headers.emplace_back("If-Modified-Since", FormatIsoDateTime(*if_modified_since));
  }
  const std::string what = absl::StrCat("CRM ", http::MethodName(method), " ", path);
  ASSIGN_OR_RETURN(http::Response response, http_.Send(request));
  if (response.status == 204 || response.status == 304) return Json(nullptr);
  const bool ok = response.status >= 200 && response.status <= 299;
  // A write whose records were all rejected comes back as 400 with the per-record results.
  if (!ok && !(results_in_error_body && response.status == 400)) {
    return ErrorFromResponse(response, what);
  }
  auto json = ParseJson(response.body, what);
  if (!ok &&
      (!json.ok() || !json->is_object() || (!json->contains("data") && !json->contains("watch")))) {
    return ErrorFromResponse(response, what);
  }
  return json;
}

absl::StatusOr<CrmTask> CrmClient::GetTask(absl::string_view token, absl::string_view id) {
  RETURN_IF_ERROR(CheckId(id));
  ASSIGN_OR_RETURN(Json body,
                   Call(http::Method::kGet, token, absl::StrCat("/Tasks/", id), {}, nullptr));
  ASSIGN_OR_RETURN(CrmPage<CrmTask> page, ParsePage<CrmTask>(body, "data", &ParseCrmTask));
  if (page.records.empty()) {
    return absl::NotFoundError(absl::StrCat("CRM task ", id, " not found"));
  }
  return std::move(page.records.front());
}

absl::StatusOr<std::vector<CrmTask>> CrmClient::GetTasks(absl::string_view token,
                                                         const std::vector<std::string>& ids) {
  RETURN_IF_ERROR(CheckBatch(ids.size()));
  for (const auto& id : ids) RETURN_IF_ERROR(CheckId(id));
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kGet, token, "/Tasks",
                                   {{"ids", absl::StrJoin(ids, ",")}}, nullptr));
  ASSIGN_OR_RETURN(CrmPage<CrmTask> page, ParsePage<CrmTask>(body, "data", &ParseCrmTask));
  return std::move(page.records);
}

absl::StatusOr<CrmPage<CrmTask>> CrmClient::ListTasks(absl::string_view token,
                                                      std::optional<absl::Time> modified_since,
                                                      int page, int per_page) {
  if (page < 1 || per_page < 1 || per_page > kMaxPerPage) {
    return absl::InvalidArgumentError("page must be >= 1 and per_page within 1..200");
  }
  ASSIGN_OR_RETURN(
      Json body, Call(http::Method::kGet, token, "/Tasks",
                      {{"page", absl::StrCat(page)}, {"per_page", absl::StrCat(per_page)}}, nullptr,
                      modified_since));
  return ParsePage<CrmTask>(body, "data", &ParseCrmTask);
}

absl::StatusOr<std::vector<CrmRecordResult>> CrmClient::WriteTasks(
    http::Method method, absl::string_view token, const std::vector<CrmTaskWrite>& tasks) {
  RETURN_IF_ERROR(CheckBatch(tasks.size()));
  Json data = Json::array();
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (method == http::Method::kPut && (!tasks[i].id.has_value() || tasks[i].id->empty())) {
      return absl::InvalidArgumentError(absl::StrCat("tasks[", i, "]: an update needs the id"));
    }
    ASSIGN_OR_RETURN(Json json, CrmTaskWriteToJson(tasks[i]));
    data.push_back(std::move(json));
  }
  const Json body = {{"data", std::move(data)}};
  ASSIGN_OR_RETURN(Json reply, Call(method, token, "/Tasks", {}, &body, std::nullopt,
                                    /*results_in_error_body=*/true));
  ASSIGN_OR_RETURN(std::vector<CrmRecordResult> results, ParseCrmRecordResults(reply, "data"));
  if (results.size() != tasks.size()) {
    return FieldError("data",
                      absl::StrCat(results.size(), " results for ", tasks.size(), " records"));
  }
  return results;
}

absl::StatusOr<std::vector<CrmRecordResult>> CrmClient::CreateTasks(
    absl::string_view token, const std::vector<CrmTaskWrite>& tasks) {
  return WriteTasks(http::Method::kPost, token, tasks);
}

absl::StatusOr<std::vector<CrmRecordResult>> CrmClient::UpdateTasks(
    absl::string_view token, const std::vector<CrmTaskWrite>& tasks) {
  return WriteTasks(http::Method::kPut, token, tasks);
}

absl::Status CrmClient::DeleteTask(absl::string_view token, absl::string_view id) {
  RETURN_IF_ERROR(CheckId(id));
  ASSIGN_OR_RETURN(Json reply, Call(http::Method::kDelete, token, absl::StrCat("/Tasks/", id), {},
                                    nullptr, std::nullopt, /*results_in_error_body=*/true));
  ASSIGN_OR_RETURN(std::vector<CrmRecordResult> results, ParseCrmRecordResults(reply, "data"));
  if (results.size() != 1) return FieldError("data", "expected one result");
  if (!results[0].success) return ResultError(results[0], absl::StrCat("delete CRM task ", id));
  return absl::OkStatus();
}

absl::StatusOr<CrmRecordResult> CrmClient::AddTaskNote(absl::string_view token,
                                                       absl::string_view task_id,
                                                       std::optional<std::string> title,
                                                       const std::string& content) {
  RETURN_IF_ERROR(CheckId(task_id));
  Json note = {{"Note_Content", content}};
  if (title.has_value()) note["Note_Title"] = *title;
  const Json body = {{"data", Json::array({note})}};
  ASSIGN_OR_RETURN(Json reply,
                   Call(http::Method::kPost, token, absl::StrCat("/Tasks/", task_id, "/Notes"), {},
                        &body, std::nullopt, /*results_in_error_body=*/true));
  ASSIGN_OR_RETURN(std::vector<CrmRecordResult> results, ParseCrmRecordResults(reply, "data"));
  if (results.size() != 1) return FieldError("data", "expected one result");
  return std::move(results[0]);
}

absl::StatusOr<std::vector<CrmNote>> CrmClient::ListTaskNotes(absl::string_view token,
                                                              absl::string_view task_id) {
  RETURN_IF_ERROR(CheckId(task_id));
  std::vector<CrmNote> notes;
  for (int page = 1;; ++page) {
    ASSIGN_OR_RETURN(
        Json body,
        Call(http::Method::kGet, token, absl::StrCat("/Tasks/", task_id, "/Notes"),
             {{"page", absl::StrCat(page)}, {"per_page", absl::StrCat(kMaxPerPage)}}, nullptr));
    ASSIGN_OR_RETURN(CrmPage<CrmNote> read, ParsePage<CrmNote>(body, "data", &ParseCrmNote));
    std::move(read.records.begin(), read.records.end(), std::back_inserter(notes));
    if (!read.more_records) return notes;
  }
}

absl::StatusOr<CrmPage<CrmNote>> CrmClient::ListNotes(absl::string_view token,
                                                      std::optional<absl::Time> modified_since,
                                                      int page, int per_page) {
  if (page < 1 || per_page < 1 || per_page > kMaxPerPage) {
    return absl::InvalidArgumentError("page must be >= 1 and per_page within 1..200");
  }
  ASSIGN_OR_RETURN(
      Json body, Call(http::Method::kGet, token, "/Notes",
                      {{"page", absl::StrCat(page)}, {"per_page", absl::StrCat(per_page)}}, nullptr,
                      modified_since));
  return ParsePage<CrmNote>(body, "data", &ParseCrmNote);
}

absl::Status CrmClient::DeleteNote(absl::string_view token, absl::string_view note_id) {
  RETURN_IF_ERROR(CheckId(note_id));
  ASSIGN_OR_RETURN(Json reply, Call(http::Method::kDelete, token, absl::StrCat("/Notes/", note_id),
                                    {}, nullptr, std::nullopt, /*results_in_error_body=*/true));
  // CRM answers a missing record with 204 (null) or with an INVALID_DATA record error.
  if (reply.is_null()) return absl::NotFoundError(absl::StrCat("CRM note ", note_id));
  ASSIGN_OR_RETURN(std::vector<CrmRecordResult> results, ParseCrmRecordResults(reply, "data"));
  if (results.size() != 1) return FieldError("data", "expected one result");
  if (!results[0].success && results[0].code == "INVALID_DATA") {
    return absl::NotFoundError(absl::StrCat("CRM note ", note_id));
  }
  if (!results[0].success)
    return ResultError(results[0], absl::StrCat("delete CRM note ", note_id));
  return absl::OkStatus();
}

absl::StatusOr<CrmPage<CrmDeletedRecord>> CrmClient::ListDeletedTasks(
    absl::string_view token, std::optional<absl::Time> since, int page) {
  if (page < 1) return absl::InvalidArgumentError("page must be >= 1");
  ASSIGN_OR_RETURN(Json body,
                   Call(http::Method::kGet, token, "/Tasks/deleted",
                        {{"type", "all"}, {"page", absl::StrCat(page)}}, nullptr, since));
  return ParsePage<CrmDeletedRecord>(body, "data", &ParseCrmDeletedRecord);
}

absl::StatusOr<CrmPage<CrmAccount>> CrmClient::ListAccounts(absl::string_view token, int page) {
  if (page < 1) return absl::InvalidArgumentError("page must be >= 1");
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kGet, token, "/Accounts",
                                   {{"page", absl::StrCat(page)}}, nullptr));
  return ParsePage<CrmAccount>(body, "data", &ParseCrmAccount);
}

absl::StatusOr<CrmPage<CrmDeal>> CrmClient::ListDeals(absl::string_view token, int page) {
  if (page < 1) return absl::InvalidArgumentError("page must be >= 1");
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kGet, token, "/Deals",
                                   {{"page", absl::StrCat(page)}}, nullptr));
  return ParsePage<CrmDeal>(body, "data", &ParseCrmDeal);
}

absl::StatusOr<CrmPage<CrmUser>> CrmClient::ListUsers(absl::string_view token, int page) {
  if (page < 1) return absl::InvalidArgumentError("page must be >= 1");
  ASSIGN_OR_RETURN(Json body, Call(http::Method::kGet, token, "/users",
                                   {{"type", "AllUsers"}, {"page", absl::StrCat(page)}}, nullptr));
  return ParsePage<CrmUser>(body, "users", &ParseCrmUser);
}

absl::StatusOr<std::vector<CrmWatchEvent>> CrmClient::Watch(http::Method method,
                                                            absl::string_view token,
                                                            const CrmWatchSpec& spec) {
  if (spec.token.size() > 50) {
    return absl::InvalidArgumentError("a watch token has at most 50 characters");
  }
  const Json body = CrmWatchSpecToJson(spec);
  ASSIGN_OR_RETURN(Json reply, Call(method, token, "/actions/watch", {}, &body, std::nullopt,
                                    /*results_in_error_body=*/true));
  ASSIGN_OR_RETURN(const Json* items, RequiredArray(reply, "watch", ""));
  if (items->size() != 1) return FieldError("watch", "expected one result");
  ASSIGN_OR_RETURN(CrmRecordResult result, ParseCrmRecordResult((*items)[0], "watch[0]"));
  if (!result.success) return ResultError(result, "CRM watch");
  ASSIGN_OR_RETURN(const Json* details, RequiredObject((*items)[0], "details", "watch[0]"));
  ASSIGN_OR_RETURN(const Json* events, RequiredArray(*details, "events", "watch[0].details"));
  std::vector<CrmWatchEvent> confirmed;
  for (size_t i = 0; i < events->size(); ++i) {
    ASSIGN_OR_RETURN(
        CrmWatchEvent event,
        ParseCrmWatchEvent((*events)[i], absl::StrCat("watch[0].details.events[", i, "]")));
    confirmed.push_back(std::move(event));
  }
  return confirmed;
}

absl::StatusOr<std::vector<CrmWatchEvent>> CrmClient::EnableWatch(absl::string_view token,
                                                                  const CrmWatchSpec& spec) {
  return Watch(http::Method::kPost, token, spec);
}

absl::StatusOr<std::vector<CrmWatchEvent>> CrmClient::RenewWatch(absl::string_view token,
                                                                 const CrmWatchSpec& spec) {
  return Watch(http::Method::kPut, token, spec);
}

absl::Status CrmClient::DisableWatch(absl::string_view token,
                                     const std::vector<int64_t>& channel_ids) {
  if (channel_ids.empty()) return absl::InvalidArgumentError("no channel to disable");
  ASSIGN_OR_RETURN(Json reply, Call(http::Method::kDelete, token, "/actions/watch",
                                    {{"channel_ids", absl::StrJoin(channel_ids, ",")}}, nullptr,
                                    std::nullopt, /*results_in_error_body=*/true));
  ASSIGN_OR_RETURN(std::vector<CrmRecordResult> results, ParseCrmRecordResults(reply, "watch"));
  for (const auto& result : results) {
    if (!result.success) return ResultError(result, "CRM disable watch");
  }
  return absl::OkStatus();
}

}  // namespace crmsync::zoho

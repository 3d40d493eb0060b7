#include "services/sync/zoho_writes.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/zoho/crm_client.h"
#include "libs/zoho/projects_client.h"

namespace crmsync::sync {
namespace {

WriteResult Failed(WriteResult::Kind kind, std::string error,
                   std::optional<absl::Duration> retry_after = std::nullopt) {
  return {kind, std::move(error), retry_after, ""};
}

// Zoho's answer to a write: throttling, a server error or no answer pass; the rest is final.
WriteResult FromZoho(const absl::Status& status, std::optional<absl::Duration> retry_after) {
  std::string error(status.message());
  // Throttled or unauthenticated, Zoho did nothing; otherwise it may have.
  if (absl::IsResourceExhausted(status) || absl::IsUnauthenticated(status)) {
    return Failed(WriteResult::Kind::kTransient, std::move(error), retry_after);
  }
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) || absl::IsUnknown(status) ||
      absl::IsAborted(status)) {
    WriteResult result = Failed(WriteResult::Kind::kTransient, std::move(error), retry_after);
    result.outcome_unknown = true;
    return result;
  }
  return Failed(WriteResult::Kind::kRefused, std::move(error));
}

WriteResult FromToken(Side side, const absl::Status& status) {
  if (absl::IsFailedPrecondition(status)) {
    return Failed(WriteResult::Kind::kGrantBroken, std::string(status.message()));
  }
  return Failed(WriteResult::Kind::kTransient,
                absl::StrCat("no token of the portal's Zoho ", SideDisplayName(side),
                             " grant: ", status.message()));
}

// A record CRM refused: its code, field and message, e.g. "INVALID_DATA (Due_Date): invalid data".
std::string RecordRefusal(const zoho::CrmRecordResult& result) {
  std::string what = result.code;
  if (result.field) absl::StrAppend(&what, " (", *result.field, ")");
  if (!result.message.empty()) absl::StrAppend(&what, ": ", result.message);
  return what;
}

// The one record of a CRM write: its id, or its refusal.
absl::StatusOr<std::string> OneRecord(absl::StatusOr<std::vector<zoho::CrmRecordResult>> results) {
  if (!results.ok()) return results.status();
  if (results->size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("CRM answered ", results->size(), " results for one record"));
  }
  const zoho::CrmRecordResult& result = results->front();
  if (result.code != "SUCCESS") return absl::InvalidArgumentError(RecordRefusal(result));
  return result.id.value_or("");
}

}  // namespace

ZohoDeliveryWrites::ZohoDeliveryWrites(ZohoCaller& caller, std::string projects_base_url)
    : caller_(caller), projects_base_url_(std::move(projects_base_url)) {}

WriteResult ZohoDeliveryWrites::Write(
    const std::string& portal_id, Side side,
    const std::function<absl::StatusOr<std::string>(http::HttpClient&, const ApiToken&)>& write) {
  std::vector<std::string> scopes;
  if (side == Side::kCrm) {
    scopes.assign(std::begin(kCrmWriteScopes), std::end(kCrmWriteScopes));
  } else {
    scopes.assign(std::begin(kProjectsWriteScopes), std::end(kProjectsWriteScopes));
  }
  ZohoCallResult<std::string> written =
      caller_.Run(portal_id, side, scopes, absl::InfiniteFuture(), write);
  if (written.no_token) return FromToken(side, written.value.status());
  // Due again soon: the wait for a permit has just ended, and a Projects permit frees itself as
  // its minute passes.
  if (written.throttled) {
    return Failed(WriteResult::Kind::kThrottled, std::string(written.value.status().message()),
                  absl::Seconds(1));
  }
  if (!written.value.ok()) return FromZoho(written.value.status(), written.retry_after);
  return {WriteResult::Kind::kDone, "", std::nullopt, *std::move(written.value)};
}

std::vector<WriteResult> ZohoDeliveryWrites::UpdateCrmTasks(
    const std::string& portal_id, const std::vector<zoho::CrmTaskWrite>& tasks) {
  std::vector<zoho::CrmRecordResult> records;
  const WriteResult call =
      Write(portal_id, Side::kCrm,
            [&](http::HttpClient& http, const ApiToken& token) -> absl::StatusOr<std::string> {
              zoho::CrmClient crm(http, token.api_domain);
              auto updated = crm.UpdateTasks(token.access_token, tasks);
              if (!updated.ok()) return updated.status();
              records = *std::move(updated);
              return std::string();
            });
  if (call.kind != WriteResult::Kind::kDone) return std::vector<WriteResult>(tasks.size(), call);
  std::vector<WriteResult> results;
  for (const zoho::CrmRecordResult& record : records) {
    results.push_back(
        record.code == "SUCCESS"
            ? WriteResult{WriteResult::Kind::kDone, "", std::nullopt, record.id.value_or("")}
            : Failed(WriteResult::Kind::kRefused, RecordRefusal(record)));
  }
  return results;
}

WriteResult ZohoDeliveryWrites::CreateCrmTask(const std::string& portal_id,
                                              const zoho::CrmTaskWrite& task) {
  return Write(portal_id, Side::kCrm, [&](http::HttpClient& http, const ApiToken& token) {
    zoho::CrmClient crm(http, token.api_domain);
    return OneRecord(crm.CreateTasks(token.access_token, {task}));
  });
}

WriteResult ZohoDeliveryWrites::UpdateProjectsTask(const std::string& portal_id,
                                                   const std::string& project_id,
                                                   const std::string& task_id,
                                                   const zoho::ProjectsTaskWrite& task) {
  return Write(portal_id, Side::kProjects,
               [&](http::HttpClient& http, const ApiToken& token) -> absl::StatusOr<std::string> {
                 zoho::ProjectsClient projects(http, projects_base_url_);
                 auto updated =
                     projects.UpdateTask(token.access_token, portal_id, project_id, task_id, task);
                 if (!updated.ok()) return updated.status();
                 return updated->id;
               });
}

WriteResult ZohoDeliveryWrites::ReadProjectsTaskStatuses(
    const std::string& portal_id, const std::string& project_id,
    std::vector<zoho::ProjectsTaskStatus>* statuses) {
  return Write(portal_id, Side::kProjects,
               [&](http::HttpClient& http, const ApiToken& token) -> absl::StatusOr<std::string> {
                 zoho::ProjectsClient projects(http, projects_base_url_);
                 auto read = projects.ListTaskStatuses(token.access_token, portal_id, project_id);
                 if (!read.ok()) return read.status();
                 *statuses = *std::move(read);
                 return std::string();
               });
}

WriteResult ZohoDeliveryWrites::FindCrmTask(const std::string& portal_id,
                                            const std::string& what_id, const std::string& subject,
                                            absl::Time since) {
  return Write(portal_id, Side::kCrm,
               [&](http::HttpClient& http, const ApiToken& token) -> absl::StatusOr<std::string> {
                 zoho::CrmClient crm(http, token.api_domain);
                 for (int page = 1;; ++page) {
                   auto tasks = crm.ListTasks(token.access_token, since, page);
                   if (!tasks.ok()) return tasks.status();
                   for (const zoho::CrmTask& task : tasks->records) {
                     if (task.subject == subject && task.what_id && task.what_id->id == what_id) {
                       return task.id;
                     }
                   }
                   if (!tasks->more_records) return std::string();
                 }
               });
}

WriteResult ZohoDeliveryWrites::AddCrmNote(const std::string& portal_id, const std::string& task_id,
                                           const std::string& content) {
  return Write(portal_id, Side::kCrm,
               [&](http::HttpClient& http, const ApiToken& token) -> absl::StatusOr<std::string> {
                 zoho::CrmClient crm(http, token.api_domain);
                 auto added = crm.AddTaskNote(token.access_token, task_id, std::nullopt, content);
                 if (!added.ok()) return added.status();
                 return OneRecord(std::vector<zoho::CrmRecordResult>{*added});
               });
}

WriteResult ZohoDeliveryWrites::FindCrmNote(const std::string& portal_id,
                                            const std::string& task_id, const std::string& marker) {
  return Write(portal_id, Side::kCrm,
               [&](http::HttpClient& http, const ApiToken& token) -> absl::StatusOr<std::string> {
                 zoho::CrmClient crm(http, token.api_domain);
                 auto notes = crm.ListTaskNotes(token.access_token, task_id);
                 if (!notes.ok()) return notes.status();
                 for (const zoho::CrmNote& note : *notes) {
                   if (absl::StrContains(note.content, marker)) return note.id;
                 }
                 return std::string();
               });
}

WriteResult ZohoDeliveryWrites::DeleteCrmNote(const std::string& portal_id,
                                              const std::string& note_id) {
  return Write(portal_id, Side::kCrm,
               [&](http::HttpClient& http, const ApiToken& token) -> absl::StatusOr<std::string> {
                 zoho::CrmClient crm(http, token.api_domain);
                 const absl::Status deleted = crm.DeleteNote(token.access_token, note_id);
                 if (!deleted.ok() && !absl::IsNotFound(deleted)) return deleted;
                 return note_id;
               });
}

WriteResult ZohoDeliveryWrites::AddProjectsComment(const std::string& portal_id,
                                                   const std::string& project_id,
                                                   const std::string& task_id,
                                                   const std::string& content) {
  return Write(portal_id, Side::kProjects,
               [&](http::HttpClient& http, const ApiToken& token) -> absl::StatusOr<std::string> {
                 zoho::ProjectsClient projects(http, projects_base_url_);
                 auto added = projects.AddComment(token.access_token, portal_id, project_id,
                                                  task_id, content);
                 if (!added.ok()) return added.status();
                 return added->id;
               });
}

WriteResult ZohoDeliveryWrites::FindProjectsComment(const std::string& portal_id,
                                                    const std::string& project_id,
                                                    const std::string& task_id,
                                                    const std::string& marker) {
  return Write(portal_id, Side::kProjects,
               [&](http::HttpClient& http, const ApiToken& token) -> absl::StatusOr<std::string> {
                 zoho::ProjectsClient projects(http, projects_base_url_);
                 auto comments =
                     projects.ListComments(token.access_token, portal_id, project_id, task_id);
                 if (!comments.ok()) return comments.status();
                 for (const zoho::ProjectsComment& comment : *comments) {
                   if (absl::StrContains(comment.content, marker)) return comment.id;
                 }
                 return std::string();
               });
}

WriteResult ZohoDeliveryWrites::DeleteProjectsComment(const std::string& portal_id,
                                                      const std::string& project_id,
                                                      const std::string& task_id,
                                                      const std::string& comment_id) {
  return Write(portal_id, Side::kProjects,
               [&](http::HttpClient& http, const ApiToken& token) -> absl::StatusOr<std::string> {
                 zoho::ProjectsClient projects(http, projects_base_url_);
                 const absl::Status deleted = projects.DeleteComment(
                     token.access_token, portal_id, project_id, task_id, comment_id);
                 if (!deleted.ok() && !absl::IsNotFound(deleted)) return deleted;
                 return comment_id;
               });
}

}  // namespace crmsync::sync

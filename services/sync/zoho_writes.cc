#include "services/sync/zoho_writes.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/http/retry.h"
#include "libs/zoho/crm_client.h"
#include "libs/zoho/projects_client.h"

namespace crmsync::sync {
namespace {

// Counts each call of one write, takes a permit of the grant's rate budget before it (when there
// is a budget) and keeps the Retry-After of the last reply that had one.
class ObservedHttp : public http::HttpClient {
 public:
  ObservedHttp(http::HttpClient& inner, SyncMetrics& metrics, const std::string& portal_id,
               Side side, const DeliveryRateLimit& rate_limit)
      : inner_(inner),
        metrics_(metrics),
        portal_id_(portal_id),
        side_(side),
        rate_limit_(rate_limit) {}

  absl::StatusOr<http::Response> Send(const http::Request& request) override {
    std::optional<RatePermit> permit;
    RateBudget* const budget = rate_limit_.budget;
    if (budget != nullptr) {
      absl::StatusOr<std::optional<RatePermit>> taken =
          rate_limit_.wait > absl::ZeroDuration()
              ? budget->Acquire(portal_id_, side_, rate_limit_.clock->Now() + rate_limit_.wait)
              : budget->TryAcquire(portal_id_, side_);
      if (taken.ok() && !taken->has_value()) {
        taken = absl::DeadlineExceededError("no permit left now");
      }
      if (!taken.ok()) {
        return absl::ResourceExhaustedError(
            absl::StrCat("the rate budget of the portal's Zoho ", SideDisplayName(side_),
                         " grant stayed spent: ", taken.status().message()));
      }
      permit = **std::move(taken);
    }
    absl::StatusOr<http::Response> response = inner_.Send(request);
    if (permit) {
      // A slot not given back is freed when its lease ends.
      if (absl::Status released = budget->Release(*permit); !released.ok()) {
        LogWarning("a Zoho rate permit was not released", {{"error", released.ToString()}});
      }
    }
    if (!response.ok()) {
      metrics_.ZohoCall(side_, "error");
      return response;
    }
    const int status = response->status;
    metrics_.ZohoCall(side_, status < 400    ? "ok"
                             : status == 401 ? "401"
                             : status == 429 ? "429"
                             : status >= 500 ? "5xx"
                                             : "4xx");
    if (auto header = response->Header("Retry-After")) {
      retry_after_ = http::ParseRetryAfter(*header, absl::Now());
    }
    return response;
  }

  std::optional<absl::Duration> retry_after() const { return retry_after_; }

 private:
  http::HttpClient& inner_;
  SyncMetrics& metrics_;
  const std::string& portal_id_;
  const Side side_;
  const DeliveryRateLimit& rate_limit_;
  std::optional<absl::Duration> retry_after_;
};

WriteResult Failed(WriteResult::Kind kind, std::string error,
                   std::optional<absl::Duration> retry_after = std::nullopt) {
  return {kind, std::move(error), retry_after, ""};
}

// Zoho's answer to a write: throttling, a server error or no answer pass; the rest is final.
WriteResult FromZoho(const absl::Status& status, std::optional<absl::Duration> retry_after) {
  std::string error(status.message());
  if (absl::IsResourceExhausted(status) || absl::IsUnavailable(status) ||
      absl::IsDeadlineExceeded(status) || absl::IsUnauthenticated(status) ||
      absl::IsUnknown(status) || absl::IsAborted(status)) {
    return Failed(WriteResult::Kind::kTransient, std::move(error), retry_after);
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

// The one record of a CRM write: its id, or its refusal.
absl::StatusOr<std::string> OneRecord(absl::StatusOr<std::vector<zoho::CrmRecordResult>> results) {
  if (!results.ok()) return results.status();
  if (results->size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("CRM answered ", results->size(), " results for one record"));
  }
  const zoho::CrmRecordResult& result = results->front();
  if (result.code != "SUCCESS") {
    std::string what = result.code;
    if (result.field) absl::StrAppend(&what, " (", *result.field, ")");
    if (!result.message.empty()) absl::StrAppend(&what, ": ", result.message);
    return absl::InvalidArgumentError(what);
  }
  return result.id.value_or("");
}

}  // namespace

absl::StatusOr<ApiToken> ZohoDeliveryWrites::Token(const std::string& portal_id, Side side,
                                                   absl::string_view rejected) {
  std::vector<std::string> scopes;
  if (side == Side::kCrm) {
    scopes.assign(std::begin(kCrmWriteScopes), std::end(kCrmWriteScopes));
  } else {
    scopes.assign(std::begin(kProjectsWriteScopes), std::end(kProjectsWriteScopes));
  }
  return tokens_.Get(portal_id, side, scopes, rejected, absl::InfiniteFuture());
}

ZohoDeliveryWrites::ZohoDeliveryWrites(AuthTokens& tokens, http::HttpClient& http,
                                       std::string projects_base_url, SyncMetrics& metrics,
                                       DeliveryRateLimit rate_limit)
    : tokens_(tokens),
      http_(http),
      projects_base_url_(std::move(projects_base_url)),
      metrics_(metrics),
      rate_limit_(rate_limit) {}

WriteResult ZohoDeliveryWrites::Write(
    const std::string& portal_id, Side side,
    const std::function<absl::StatusOr<std::string>(http::HttpClient&, const ApiToken&)>& write) {
  ObservedHttp http(http_, metrics_, portal_id, side, rate_limit_);
  absl::StatusOr<ApiToken> token = Token(portal_id, side, "");
  if (!token.ok()) return FromToken(side, token.status());
  absl::StatusOr<std::string> written = write(http, *token);
  if (absl::IsUnauthenticated(written.status())) {
    token = Token(portal_id, side, token->access_token);
    if (!token.ok()) return FromToken(side, token.status());
    written = write(http, *token);
  }
  if (!written.ok()) return FromZoho(written.status(), http.retry_after());
  return {WriteResult::Kind::kDone, "", std::nullopt, *std::move(written)};
}

WriteResult ZohoDeliveryWrites::UpdateCrmTask(const std::string& portal_id,
                                              const zoho::CrmTaskWrite& task) {
  return Write(portal_id, Side::kCrm, [&](http::HttpClient& http, const ApiToken& token) {
    zoho::CrmClient crm(http, token.api_domain);
    return OneRecord(crm.UpdateTasks(token.access_token, {task}));
  });
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

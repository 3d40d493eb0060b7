#include "services/sync/ingest/zoho_source.h"

#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"

namespace crmsync::sync {
namespace {

// auth's answer, told apart from Zoho's: its NOT_FOUND (no grant) must not read as a record
// Zoho no longer has.
absl::Status TokenError(absl::string_view portal_id, Side side, const absl::Status& status) {
  if (NoUsableGrant(status)) {
    return absl::FailedPreconditionError(absl::StrCat("portal ", portal_id, " has no usable ",
                                                      SideDisplayName(side),
                                                      " grant: ", status.message()));
  }
  return absl::UnavailableError(absl::StrCat("auth did not give a token: ", status.message()));
}

// The records of every page `read` returns (1-based), until CRM says there are no more.
template <typename T>
absl::StatusOr<std::vector<T>> EveryPage(
    const std::function<absl::StatusOr<zoho::CrmPage<T>>(int page)>& read) {
  std::vector<T> records;
  for (int page = 1;; ++page) {
    ASSIGN_OR_RETURN(zoho::CrmPage<T> listed, read(page));
    std::move(listed.records.begin(), listed.records.end(), std::back_inserter(records));
    if (!listed.more_records) return records;
  }
}

}  // namespace

template <typename T>
absl::StatusOr<T> ZohoIngestSource::WithToken(
    absl::string_view portal_id, Side side, absl::Time deadline,
    const std::function<absl::StatusOr<T>(http::HttpClient&, const ApiToken&)>& read,
    const char* extra_scope) {
  std::vector<std::string> scopes;
  if (side == Side::kCrm) {
    scopes.assign(std::begin(kCrmIngestScopes), std::end(kCrmIngestScopes));
  } else {
    scopes.assign(std::begin(kProjectsIngestScopes), std::end(kProjectsIngestScopes));
  }
  if (extra_scope != nullptr) scopes.emplace_back(extra_scope);
  ZohoCallResult<T> result = caller_.Run(portal_id, side, scopes, deadline, read);
  if (result.no_token) return TokenError(portal_id, side, result.value.status());
  return std::move(result.value);
}

absl::StatusOr<std::vector<zoho::CrmTask>> ZohoIngestSource::CrmTasks(
    absl::string_view portal_id, const std::vector<std::string>& ids, absl::Time deadline) {
  return WithToken<std::vector<zoho::CrmTask>>(
      portal_id, Side::kCrm, deadline, [&](http::HttpClient& http, const ApiToken& token) {
        return zoho::CrmClient(http, token.api_domain).GetTasks(token.access_token, ids);
      });
}

absl::StatusOr<zoho::CrmPage<zoho::CrmNote>> ZohoIngestSource::CrmNotes(
    absl::string_view portal_id, std::optional<absl::Time> modified_since, int page,
    absl::Time deadline) {
  return WithToken<zoho::CrmPage<zoho::CrmNote>>(
      portal_id, Side::kCrm, deadline,
      [&](http::HttpClient& http, const ApiToken& token) {
        return zoho::CrmClient(http, token.api_domain)
            .ListNotes(token.access_token, modified_since, page);
      },
      kCrmNotesScope);
}

absl::StatusOr<std::vector<zoho::CrmNote>> ZohoIngestSource::CrmTaskNotes(
    absl::string_view portal_id, absl::string_view task_id, absl::Time deadline) {
  return WithToken<std::vector<zoho::CrmNote>>(
      portal_id, Side::kCrm, deadline,
      [&](http::HttpClient& http, const ApiToken& token) {
        return zoho::CrmClient(http, token.api_domain).ListTaskNotes(token.access_token, task_id);
      },
      kCrmNotesScope);
}

absl::StatusOr<zoho::ProjectsTask> ZohoIngestSource::ProjectsTask(absl::string_view portal_id,
                                                                  absl::string_view project_id,
                                                                  absl::string_view task_id,
                                                                  absl::Time deadline) {
  return WithToken<zoho::ProjectsTask>(
      portal_id, Side::kProjects, deadline, [&](http::HttpClient& http, const ApiToken& token) {
        return zoho::ProjectsClient(http, projects_base_url_)
            .GetTask(token.access_token, portal_id, project_id, task_id);
      });
}

absl::StatusOr<std::vector<zoho::ProjectsComment>> ZohoIngestSource::ProjectsComments(
    absl::string_view portal_id, absl::string_view project_id, absl::string_view task_id,
    absl::Time deadline) {
  return WithToken<std::vector<zoho::ProjectsComment>>(
      portal_id, Side::kProjects, deadline, [&](http::HttpClient& http, const ApiToken& token) {
        return zoho::ProjectsClient(http, projects_base_url_)
            .ListComments(token.access_token, portal_id, project_id, task_id);
      });
}

absl::StatusOr<std::vector<zoho::CrmTask>> ZohoIngestSource::CrmTasksModifiedSince(
    absl::string_view portal_id, absl::Time since, absl::Time deadline) {
  return WithToken<std::vector<zoho::CrmTask>>(
      portal_id, Side::kCrm, deadline, [&](http::HttpClient& http, const ApiToken& token) {
        zoho::CrmClient crm(http, token.api_domain);
        return EveryPage<zoho::CrmTask>(
            [&](int page) { return crm.ListTasks(token.access_token, since, page); });
      });
}

absl::StatusOr<std::vector<zoho::CrmDeletedRecord>> ZohoIngestSource::CrmDeletedTasks(
    absl::string_view portal_id, absl::Time since, absl::Time deadline) {
  return WithToken<std::vector<zoho::CrmDeletedRecord>>(
      portal_id, Side::kCrm, deadline, [&](http::HttpClient& http, const ApiToken& token) {
        zoho::CrmClient crm(http, token.api_domain);
        return EveryPage<zoho::CrmDeletedRecord>(
            [&](int page) { return crm.ListDeletedTasks(token.access_token, since, page); });
      });
}

absl::StatusOr<std::vector<zoho::ProjectsTask>> ZohoIngestSource::ProjectsTaskList(
    absl::string_view portal_id, absl::string_view project_id, absl::Time deadline) {
  return WithToken<std::vector<zoho::ProjectsTask>>(
      portal_id, Side::kProjects, deadline, [&](http::HttpClient& http, const ApiToken& token) {
        // Modified since the beginning of time: every page, every main task.
        return zoho::ProjectsClient(http, projects_base_url_)
            .ListTasksModifiedSince(token.access_token, portal_id, project_id,
                                    absl::InfinitePast());
      });
}

}  // namespace crmsync::sync

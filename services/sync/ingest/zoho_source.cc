#include "services/sync/ingest/zoho_source.h"

#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"

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

}  // namespace

template <typename T>
absl::StatusOr<T> ZohoIngestSource::WithToken(
    absl::string_view portal_id, Side side, absl::Time deadline,
    const std::function<absl::StatusOr<T>(http::HttpClient&, const ApiToken&)>& read) {
  std::vector<std::string> scopes;
  if (side == Side::kCrm) {
    scopes.assign(std::begin(kCrmIngestScopes), std::end(kCrmIngestScopes));
  } else {
    scopes.assign(std::begin(kProjectsIngestScopes), std::end(kProjectsIngestScopes));
  }
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

}  // namespace crmsync::sync

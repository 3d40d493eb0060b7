// The live Projects state the CRM rules check (a project's schedule, a parent task's status) and
// the task Add to CRM takes, read from Zoho Projects with a token of the portal's Projects grant
// from crmsync-auth's GetAccessToken. A token Zoho refuses is exchanged for a fresh one once.
#ifndef CRMSYNC_SERVICES_SYNC_PROJECTS_READS_H_
#define CRMSYNC_SERVICES_SYNC_PROJECTS_READS_H_

#include <functional>
#include <memory>
#include <string>

#include "libs/http/http_client.h"
#include "libs/zoho/projects_client.h"
#include "services/sync/auth_tokens.h"
#include "services/sync/reads.h"

namespace crmsync::sync {

// The scopes the reads need of the portal's Projects grant.
inline constexpr const char* kRuleReadScopes[] = {"ZohoProjects.projects.READ",
                                                  "ZohoProjects.tasks.READ"};

class ZohoProjectsState : public ProjectsState, public ProjectsTasks {
 public:
  // `auth_address` is host:port of crmsync-auth; `caller_token` (may be empty) is sent to it as
  // "authorization: Bearer …" and never logged; `http` must outlive this.
  ZohoProjectsState(const std::string& auth_address, std::string caller_token,
                    http::HttpClient& http, std::string projects_base_url);

  absl::StatusOr<ProjectSchedule> Schedule(absl::string_view portal_id,
                                           absl::string_view project_id,
                                           absl::Time deadline) override;
  absl::StatusOr<ParentTask> Task(absl::string_view portal_id, absl::string_view project_id,
                                  absl::string_view task_id, absl::Time deadline) override;
  absl::StatusOr<std::optional<ProjectsTaskValues>> CurrentTask(absl::string_view portal_id,
                                                                absl::string_view project_id,
                                                                absl::string_view task_id,
                                                                absl::Time deadline) override;

 private:
  // An access token of the portal's Projects grant; `rejected` is one Zoho just refused.
  absl::StatusOr<std::string> Token(absl::string_view portal_id, absl::string_view rejected,
                                    absl::Time deadline);
  // Runs `read` with a token, once more with a fresh one after a 401, every call bounded by
  // `deadline`; errors as ProjectsState.
  template <typename T>
  absl::StatusOr<T> WithToken(
      absl::string_view portal_id, absl::string_view what, absl::Time deadline,
      const std::function<absl::StatusOr<T>(zoho::ProjectsClient&, const std::string&)>& read);

  AuthTokens tokens_;
  http::HttpClient& http_;
  const std::string projects_base_url_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_PROJECTS_READS_H_

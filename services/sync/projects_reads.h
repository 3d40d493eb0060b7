// The live Projects state the CRM rules check (a project's schedule, a parent task's status) and
// the task Add to CRM takes, read from Zoho Projects through a ZohoCaller (zoho_call.h): a token of
// the portal's Projects grant from crmsync-auth, exchanged for a fresh one once if Zoho refuses
// it, and a rate permit of the grant before each call.
#ifndef CRMSYNC_SERVICES_SYNC_PROJECTS_READS_H_
#define CRMSYNC_SERVICES_SYNC_PROJECTS_READS_H_

#include <functional>
#include <memory>
#include <string>

#include "libs/zoho/projects_client.h"
#include "services/sync/reads.h"
#include "services/sync/zoho_call.h"

namespace crmsync::sync {

// The scopes the reads need of the portal's Projects grant.
inline constexpr const char* kRuleReadScopes[] = {"ZohoProjects.projects.READ",
                                                  "ZohoProjects.tasks.READ"};

class ZohoProjectsState : public ProjectsState, public ProjectsTasks {
 public:
  // `caller` must outlive this.
  ZohoProjectsState(ZohoCaller& caller, std::string projects_base_url);

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
  // Runs `read` with a token, once more with a fresh one after a 401, every call bounded by
  // `deadline`; errors as ProjectsState.
  template <typename T>
  absl::StatusOr<T> WithToken(
      absl::string_view portal_id, absl::string_view what, absl::Time deadline,
      const std::function<absl::StatusOr<T>(zoho::ProjectsClient&, const std::string&)>& read);

  ZohoCaller& caller_;
  const std::string projects_base_url_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_PROJECTS_READS_H_

// Delivery's writes on Zoho (delivery.h's ZohoWrites), made through a ZohoCaller (zoho_call.h:
// auth's tokens, one retry after a 401, a rate permit before and a count after each HTTP call).
// A 429 or 5xx reply's Retry-After comes back with the transient result; a rate budget still
// spent when the permit's wait ends is a transient result too, so the write is retried later.
#ifndef CRMSYNC_SERVICES_SYNC_ZOHO_WRITES_H_
#define CRMSYNC_SERVICES_SYNC_ZOHO_WRITES_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/http/http_client.h"
#include "services/sync/auth_tokens.h"
#include "services/sync/delivery.h"
#include "services/sync/zoho_call.h"

namespace crmsync::sync {

// The scopes delivery asks auth for, per side.
inline constexpr const char* kCrmWriteScopes[] = {"ZohoCRM.modules.tasks.ALL",
                                                  "ZohoCRM.modules.notes.ALL"};
inline constexpr const char* kProjectsWriteScopes[] = {"ZohoProjects.tasks.ALL"};

class ZohoDeliveryWrites : public ZohoWrites {
 public:
  // CRM calls go to the token's api_domain, Projects calls to `projects_base_url`. `caller`
  // must outlive this.
  ZohoDeliveryWrites(ZohoCaller& caller, std::string projects_base_url);

  std::vector<WriteResult> UpdateCrmTasks(const std::string& portal_id,
                                          const std::vector<zoho::CrmTaskWrite>& tasks) override;
  WriteResult CreateCrmTask(const std::string& portal_id, const zoho::CrmTaskWrite& task) override;
  WriteResult UpdateProjectsTask(const std::string& portal_id, const std::string& project_id,
                                 const std::string& task_id,
                                 const zoho::ProjectsTaskWrite& task) override;
  WriteResult ReadProjectsTaskStatuses(const std::string& portal_id, const std::string& project_id,
                                       std::vector<zoho::ProjectsTaskStatus>* statuses) override;
  WriteResult FindCrmTask(const std::string& portal_id, const std::string& what_id,
                          const std::string& subject, absl::Time since) override;
  WriteResult AddCrmNote(const std::string& portal_id, const std::string& task_id,
                         const std::string& content) override;
  WriteResult FindCrmNote(const std::string& portal_id, const std::string& task_id,
                          const std::string& marker) override;
  WriteResult DeleteCrmNote(const std::string& portal_id, const std::string& note_id) override;
  WriteResult AddProjectsComment(const std::string& portal_id, const std::string& project_id,
                                 const std::string& task_id, const std::string& content) override;
  WriteResult FindProjectsComment(const std::string& portal_id, const std::string& project_id,
                                  const std::string& task_id, const std::string& marker) override;
  WriteResult DeleteProjectsComment(const std::string& portal_id, const std::string& project_id,
                                    const std::string& task_id,
                                    const std::string& comment_id) override;

 private:
  // Runs `write` with a token of `side` (once more with a fresh one after a 401); `write` returns
  // the id of what it wrote.
  WriteResult Write(
      const std::string& portal_id, Side side,
      const std::function<absl::StatusOr<std::string>(http::HttpClient&, const ApiToken&)>& write);
  ZohoCaller& caller_;
  const std::string projects_base_url_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_ZOHO_WRITES_H_

// Delivery's writes on Zoho (delivery.h's ZohoWrites) with access tokens from crmsync-auth: a
// token Zoho refuses (401) is reported to auth as rejected_access_token and the call is made once
// more with the token auth gives then. Each HTTP call is counted by side and result; a 429 or
// 5xx reply's Retry-After comes back with the transient result. With a rate budget, every HTTP
// call first takes a permit of the portal's grant on its side (rate_budget.h), waiting up to
// DeliveryRateLimit's wait; a budget still spent then is a transient result, so the write is
// retried later.
#ifndef CRMSYNC_SERVICES_SYNC_ZOHO_WRITES_H_
#define CRMSYNC_SERVICES_SYNC_ZOHO_WRITES_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/common/clock.h"
#include "libs/http/http_client.h"
#include "services/sync/auth_tokens.h"
#include "services/sync/delivery.h"
#include "services/sync/metrics.h"
#include "services/sync/rate_budget.h"

namespace crmsync::sync {

// The scopes delivery asks auth for, per side.
inline constexpr const char* kCrmWriteScopes[] = {"ZohoCRM.modules.tasks.ALL",
                                                  "ZohoCRM.modules.notes.ALL"};
inline constexpr const char* kProjectsWriteScopes[] = {"ZohoProjects.tasks.ALL"};

// The rate budget delivery's calls take permits of: none when `budget` is null. A call waits up
// to `wait` on `clock` (the budget's) for its permit; with no wait it takes one only if one is
// left now.
struct DeliveryRateLimit {
  RateBudget* budget = nullptr;
  const Clock* clock = nullptr;
  absl::Duration wait;
};

class ZohoDeliveryWrites : public ZohoWrites {
 public:
  // CRM calls go to the token's api_domain, Projects calls to `projects_base_url`. All
  // references, and those of `rate_limit`, must outlive this.
  ZohoDeliveryWrites(AuthTokens& tokens, http::HttpClient& http, std::string projects_base_url,
                     SyncMetrics& metrics, DeliveryRateLimit rate_limit = {});

  WriteResult UpdateCrmTask(const std::string& portal_id, const zoho::CrmTaskWrite& task) override;
  WriteResult CreateCrmTask(const std::string& portal_id, const zoho::CrmTaskWrite& task) override;
  WriteResult UpdateProjectsTask(const std::string& portal_id, const std::string& project_id,
                                 const std::string& task_id,
                                 const zoho::ProjectsTaskWrite& task) override;
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
  // A token of the portal's grant of `side` with the scopes delivery writes with; `rejected` is
  // one Zoho just refused ("" for none).
  absl::StatusOr<ApiToken> Token(const std::string& portal_id, Side side,
                                 absl::string_view rejected);

  AuthTokens& tokens_;
  http::HttpClient& http_;
  const std::string projects_base_url_;
  SyncMetrics& metrics_;
  const DeliveryRateLimit rate_limit_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_ZOHO_WRITES_H_

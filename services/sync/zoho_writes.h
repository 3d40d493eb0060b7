// Delivery's writes on Zoho (delivery.h's ZohoWrites) with access tokens from crmsync-auth: a
// token Zoho refuses (401) is reported to auth as rejected_access_token and the call is made once
// more with the token auth gives then. Each HTTP call is counted by side and result; a 429 or
// 5xx reply's Retry-After comes back with the transient result.
#ifndef CRMSYNC_SERVICES_SYNC_ZOHO_WRITES_H_
#define CRMSYNC_SERVICES_SYNC_ZOHO_WRITES_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "libs/http/http_client.h"
#include "services/sync/delivery.h"
#include "services/sync/metrics.h"

namespace crmsync::sync {

// A Zoho access token and the API host it is for. `access_token` is a secret: never log it.
struct ZohoToken {
  std::string access_token;
  std::string api_domain;
};

// Where delivery's tokens come from.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // A token of the portal's grant of `side` holding the scopes delivery writes with; `rejected`
  // is one Zoho just refused ("" for none). Errors as auth's GetAccessToken: FAILED_PRECONDITION
  // for a BROKEN grant, NOT_FOUND / PERMISSION_DENIED for no grant with those scopes,
  // UNAVAILABLE / RESOURCE_EXHAUSTED / DEADLINE_EXCEEDED for a token not available now.
  virtual absl::StatusOr<ZohoToken> Token(absl::string_view portal_id, Side side,
                                          absl::string_view rejected) = 0;
};

// The scopes delivery asks auth for, per side.
inline constexpr const char* kCrmWriteScopes[] = {"ZohoCRM.modules.tasks.ALL",
                                                  "ZohoCRM.modules.notes.ALL"};
inline constexpr const char* kProjectsWriteScopes[] = {"ZohoProjects.tasks.ALL"};

// TokenSource from crmsync-auth's GetAccessToken.
class AuthTokens : public TokenSource {
 public:
  // `auth_address` is host:port of crmsync-auth; `caller_token` (may be empty) is sent to it as
  // "authorization: Bearer …" and never logged.
  AuthTokens(const std::string& auth_address, std::string caller_token);

  absl::StatusOr<ZohoToken> Token(absl::string_view portal_id, Side side,
                                  absl::string_view rejected) override;

 private:
  std::unique_ptr<auth::v1::AuthService::Stub> auth_;
  const std::string caller_token_;
};

class ZohoDeliveryWrites : public ZohoWrites {
 public:
  // CRM calls go to the token's api_domain, Projects calls to `projects_base_url`. All
  // references must outlive this.
  ZohoDeliveryWrites(TokenSource& tokens, http::HttpClient& http, std::string projects_base_url,
                     SyncMetrics& metrics);

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
      const std::function<absl::StatusOr<std::string>(http::HttpClient&, const ZohoToken&)>& write);

  TokenSource& tokens_;
  http::HttpClient& http_;
  const std::string projects_base_url_;
  SyncMetrics& metrics_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_ZOHO_WRITES_H_

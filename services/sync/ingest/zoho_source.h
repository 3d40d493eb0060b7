// What the inbox reads back from Zoho for a webhook, which names records but does not carry
// them faithfully: the CRM tasks a watch notification names, a Projects task, a Projects task's
// comments; what reconciliation lists to catch up with what webhooks missed: CRM tasks modified or
// deleted since a time, a Projects project's tasks; and the CRM notes that no webhook announces
// (ingest/crm_notes_poll.h). ZohoIngestSource reads them through a ZohoCaller (zoho_call.h:
// auth's tokens, a rate permit before each call); tests of the processor may pass their own.
#ifndef CRMSYNC_SERVICES_SYNC_INGEST_ZOHO_SOURCE_H_
#define CRMSYNC_SERVICES_SYNC_INGEST_ZOHO_SOURCE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/http/http_client.h"
#include "libs/zoho/crm_client.h"
#include "libs/zoho/projects_client.h"
#include "services/sync/auth_tokens.h"
#include "services/sync/zoho_call.h"

namespace crmsync::sync {

// The scopes these reads need of the portal's grants.
inline constexpr const char* kCrmIngestScopes[] = {"ZohoCRM.modules.tasks.READ"};
// What reading CRM's notes needs besides.
inline constexpr const char* kCrmNotesScope = "ZohoCRM.modules.notes.READ";
inline constexpr const char* kProjectsIngestScopes[] = {"ZohoProjects.tasks.READ"};

// Every read is bounded by `deadline`. Errors: FAILED_PRECONDITION when the portal has no usable
// grant, UNAVAILABLE when auth does not answer, and Zoho's as libs/zoho reports them (NOT_FOUND
// only for a Projects task or comment list that Zoho no longer has).
class IngestSource {
 public:
  virtual ~IngestSource() = default;
  // The tasks among `ids` (at most 100) that CRM still has.
  virtual absl::StatusOr<std::vector<zoho::CrmTask>> CrmTasks(absl::string_view portal_id,
                                                              const std::vector<std::string>& ids,
                                                              absl::Time deadline) = 0;
  // Page `page` (1-based) of CRM's notes of every module, or of those modified after
  // `modified_since`; an empty page when none was.
  virtual absl::StatusOr<zoho::CrmPage<zoho::CrmNote>> CrmNotes(
      absl::string_view portal_id, std::optional<absl::Time> modified_since, int page,
      absl::Time deadline) = 0;
  // Every note CRM has on the task.
  virtual absl::StatusOr<std::vector<zoho::CrmNote>> CrmTaskNotes(absl::string_view portal_id,
                                                                  absl::string_view task_id,
                                                                  absl::Time deadline) = 0;
  virtual absl::StatusOr<zoho::ProjectsTask> ProjectsTask(absl::string_view portal_id,
                                                          absl::string_view project_id,
                                                          absl::string_view task_id,
                                                          absl::Time deadline) = 0;
  virtual absl::StatusOr<std::vector<zoho::ProjectsComment>> ProjectsComments(
      absl::string_view portal_id, absl::string_view project_id, absl::string_view task_id,
      absl::Time deadline) = 0;
  // Every CRM task modified after `since`, read page by page with If-Modified-Since (CRM's way
  // to list recently modified records: zoho.com/crm/developer/docs/api/v2/get-records.html).
  virtual absl::StatusOr<std::vector<zoho::CrmTask>> CrmTasksModifiedSince(
      absl::string_view portal_id, absl::Time since, absl::Time deadline) = 0;
  // Every CRM task deleted after `since`, likewise (.../api/v2/get-deleted-records.html).
  virtual absl::StatusOr<std::vector<zoho::CrmDeletedRecord>> CrmDeletedTasks(
      absl::string_view portal_id, absl::Time since, absl::Time deadline) = 0;
  // Every main task of the project (subtasks are not listed), every page read.
  virtual absl::StatusOr<std::vector<zoho::ProjectsTask>> ProjectsTaskList(
      absl::string_view portal_id, absl::string_view project_id, absl::Time deadline) = 0;
};

class ZohoIngestSource : public IngestSource {
 public:
  // `caller` must outlive this; `projects_base_url` is the Projects API host (CRM is called at
  // the api_domain of its token).
  ZohoIngestSource(ZohoCaller& caller, std::string projects_base_url)
      : caller_(caller), projects_base_url_(std::move(projects_base_url)) {}

  absl::StatusOr<std::vector<zoho::CrmTask>> CrmTasks(absl::string_view portal_id,
                                                      const std::vector<std::string>& ids,
                                                      absl::Time deadline) override;
  absl::StatusOr<zoho::CrmPage<zoho::CrmNote>> CrmNotes(absl::string_view portal_id,
                                                        std::optional<absl::Time> modified_since,
                                                        int page, absl::Time deadline) override;
  absl::StatusOr<std::vector<zoho::CrmNote>> CrmTaskNotes(absl::string_view portal_id,
                                                          absl::string_view task_id,
                                                          absl::Time deadline) override;
  absl::StatusOr<zoho::ProjectsTask> ProjectsTask(absl::string_view portal_id,
                                                  absl::string_view project_id,
                                                  absl::string_view task_id,
                                                  absl::Time deadline) override;
  absl::StatusOr<std::vector<zoho::ProjectsComment>> ProjectsComments(absl::string_view portal_id,
                                                                      absl::string_view project_id,
                                                                      absl::string_view task_id,
                                                                      absl::Time deadline) override;
  absl::StatusOr<std::vector<zoho::CrmTask>> CrmTasksModifiedSince(absl::string_view portal_id,
                                                                   absl::Time since,
                                                                   absl::Time deadline) override;
  absl::StatusOr<std::vector<zoho::CrmDeletedRecord>> CrmDeletedTasks(absl::string_view portal_id,
                                                                      absl::Time since,
                                                                      absl::Time deadline) override;
  absl::StatusOr<std::vector<zoho::ProjectsTask>> ProjectsTaskList(absl::string_view portal_id,
                                                                   absl::string_view project_id,
                                                                   absl::Time deadline) override;

 private:
  // Runs `read` with a token of the portal's grant on `side` (holding the side's ingest scopes
  // and `extra_scope` if any), once more with a fresh token when Zoho refused the first (401);
  // each of its HTTP calls takes a rate permit first.
  template <typename T>
  absl::StatusOr<T> WithToken(
      absl::string_view portal_id, Side side, absl::Time deadline,
      const std::function<absl::StatusOr<T>(http::HttpClient&, const ApiToken&)>& read,
      const char* extra_scope = nullptr);

  ZohoCaller& caller_;
  const std::string projects_base_url_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_INGEST_ZOHO_SOURCE_H_

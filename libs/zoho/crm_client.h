// Zoho CRM v2 client: Tasks, Notes (a task's, or the org's modified since a time), deleted Tasks,
// Accounts, Deals, users and watch channels. Every call takes the access token to send, so the
// caller decides when to fetch a fresh one (an UNAUTHENTICATED status means the token was refused).
//
// Errors: api_error.h for HTTP statuses; http_client.h for transport; INVALID_ARGUMENT naming the
// field for a reply that breaks the documented shape, or for a request this client will not send
// (more than 100 records, an empty id).
#ifndef CRMSYNC_LIBS_ZOHO_CRM_CLIENT_H_
#define CRMSYNC_LIBS_ZOHO_CRM_CLIENT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/http/http_client.h"
#include "libs/http/url.h"
#include "libs/zoho/crm_codec.h"

namespace crmsync::zoho {

class CrmClient {
 public:
  // CRM accepts at most this many records (or ids) per call.
  static constexpr int kMaxRecordsPerCall = 100;
  static constexpr int kMaxPerPage = 200;

  // `api_domain` is the token's api_domain, e.g. "https://www.zohoapis.eu".
  CrmClient(http::HttpClient& http, std::string api_domain);

  // One task; NOT_FOUND when CRM has none with that id.
  absl::StatusOr<CrmTask> GetTask(absl::string_view token, absl::string_view id);
  // The tasks among `ids` (at most 100) that exist, in CRM's order.
  absl::StatusOr<std::vector<CrmTask>> GetTasks(absl::string_view token,
                                                const std::vector<std::string>& ids);
  // Page `page` (1-based) of all tasks, or of those modified after `modified_since`.
  absl::StatusOr<CrmPage<CrmTask>> ListTasks(absl::string_view token,
                                             std::optional<absl::Time> modified_since, int page,
                                             int per_page = kMaxPerPage);
  // Creates up to 100 tasks; one result per task, in order (a rejected record is a result, not
  // an error).
  absl::StatusOr<std::vector<CrmRecordResult>> CreateTasks(absl::string_view token,
                                                           const std::vector<CrmTaskWrite>& tasks);
  // Updates up to 100 tasks (each with its id); one result per task, in order.
  absl::StatusOr<std::vector<CrmRecordResult>> UpdateTasks(absl::string_view token,
                                                           const std::vector<CrmTaskWrite>& tasks);
  // Deletes a task; INVALID_ARGUMENT with Zoho code INVALID_DATA when no such task exists.
  absl::Status DeleteTask(absl::string_view token, absl::string_view id);
  // Adds a note to a task; returns its result (id on success).
  absl::StatusOr<CrmRecordResult> AddTaskNote(absl::string_view token, absl::string_view task_id,
                                              std::optional<std::string> title,
                                              const std::string& content);
  // Every note of a task, page after page.
  absl::StatusOr<std::vector<CrmNote>> ListTaskNotes(absl::string_view token,
                                                     absl::string_view task_id);
  // Page `page` of the notes of every module (GET /Notes), or of those modified after
  // `modified_since` (If-Modified-Since; an empty page when none was).
  absl::StatusOr<CrmPage<CrmNote>> ListNotes(absl::string_view token,
                                             std::optional<absl::Time> modified_since, int page,
                                             int per_page = kMaxPerPage);
  // Deletes a note; NOT_FOUND when CRM has no note with that id (INVALID_DATA for the id).
  absl::Status DeleteNote(absl::string_view token, absl::string_view note_id);
  // Page `page` of deleted tasks, or of those deleted after `since`.
  absl::StatusOr<CrmPage<CrmDeletedRecord>> ListDeletedTasks(absl::string_view token,
                                                             std::optional<absl::Time> since,
                                                             int page);
  absl::StatusOr<CrmPage<CrmAccount>> ListAccounts(absl::string_view token, int page);
  absl::StatusOr<CrmPage<CrmDeal>> ListDeals(absl::string_view token, int page);
  absl::StatusOr<CrmPage<CrmUser>> ListUsers(absl::string_view token, int page);

  // Subscribes a watch channel; returns the confirmed events (with the expiry CRM set). A
  // rejected spec is INVALID_ARGUMENT naming Zoho's code and field.
  absl::StatusOr<std::vector<CrmWatchEvent>> EnableWatch(absl::string_view token,
                                                         const CrmWatchSpec& spec);
  // Renews (or changes) an existing channel, typically with a later expiry.
  absl::StatusOr<std::vector<CrmWatchEvent>> RenewWatch(absl::string_view token,
                                                        const CrmWatchSpec& spec);
  // Unsubscribes channels; INVALID_ARGUMENT when one of them was not subscribed.
  absl::Status DisableWatch(absl::string_view token, const std::vector<int64_t>& channel_ids);

 private:
  // Sends and returns the JSON body of a 2xx reply (null for 204/304); an error status else.
  absl::StatusOr<Json> Call(http::Method method, absl::string_view token, absl::string_view path,
                            const http::Params& query, const Json* body,
                            std::optional<absl::Time> if_modified_since = std::nullopt,
                            bool results_in_error_body = false);
  absl::StatusOr<std::vector<CrmRecordResult>> WriteTasks(http::Method method,
                                                          absl::string_view token,
                                                          const std::vector<CrmTaskWrite>& tasks);
  absl::StatusOr<std::vector<CrmWatchEvent>> Watch(http::Method method, absl::string_view token,
                                                   const CrmWatchSpec& spec);

  http::HttpClient& http_;
  const std::string api_domain_;
};

}  // namespace crmsync::zoho

#endif  // CRMSYNC_LIBS_ZOHO_CRM_CLIENT_H_

// The simulator's in-memory model of the Zoho accounts server, CRM and Projects: records,
// tokens, limits and webhook subscriptions. Pure logic: no sockets and no clock of its own (every
// call takes `now`), so tests drive it directly. Not thread-safe: the server serialises calls.
//
// Methods that answer an API call return a Reply in Zoho's shape (status code and JSON body);
// changes that Zoho would announce append Webhook deliveries to `outbox()`.
#ifndef CRMSYNC_TOOLS_ZOHO_SIM_SIM_STATE_H_
#define CRMSYNC_TOOLS_ZOHO_SIM_SIM_STATE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace crmsync::zoho_sim {

using Json = nlohmann::json;
using Params = std::multimap<std::string, std::string>;

struct Reply {
  int status = 200;
  Json body = nullptr;  // null: no body (204, 304)
  std::vector<std::pair<std::string, std::string>> headers = {};
};

struct Webhook {
  std::string url;
  std::string content_type;
  std::string body;
};

struct SimOptions {
  absl::Duration token_ttl = absl::Hours(1);
  int mints_per_window = 10;
  absl::Duration mint_window = absl::Minutes(10);
  int max_active_tokens = 10;
  int projects_requests_per_minute = 150;
  int crm_concurrent_calls_per_user = 5;
  // CRM API credits per rolling 24 hours, one per call (api-limits.html: Standard and above start
  // at 50,000; Free has 5,000).
  int64_t crm_daily_credits = 50000;
  absl::Duration max_channel_lifetime = absl::Hours(24);
  // The api_domain token replies name, as Zoho names its data centre's API host; empty: the
  // sim's own base URL.
  std::string api_domain;
};

// Who an access token speaks for.
struct TokenOwner {
  std::string user_email;
  std::vector<std::string> scopes;
};

class SimState {
 public:
  explicit SimState(SimOptions options);

  // The base URL the sim serves, reported in resource URIs and, unless set_api_domain says
  // otherwise, as api_domain.
  void set_base_url(std::string url) { base_url_ = std::move(url); }
  // The api_domain of later token replies; empty: the base URL.
  void set_api_domain(std::string api_domain) { api_domain_ = std::move(api_domain); }
  const SimOptions& options() const { return options_; }

  // ---- accounts ----
  void AddOAuthClient(const std::string& client_id, const std::string& client_secret);
  // Registers a refresh token (generated when empty) for a client and user; returns it.
  absl::StatusOr<std::string> AddGrant(const std::string& client_id, std::string refresh_token,
                                       const std::string& user_email,
                                       std::vector<std::string> scopes);
  // Issues a self-client grant code, as the API console's Generate Code does: for `user_email`
  // of a registered client, with 1 or more `scopes`, valid for `lifetime` from `now` (the
  // console offers 3, 5, 7 or 10 minutes) and for one exchange only.
  absl::StatusOr<std::string> IssueGrantCode(const std::string& client_id,
                                             const std::string& user_email,
                                             std::vector<std::string> scopes,
                                             absl::Duration lifetime, absl::Time now);
  // POST /oauth/v2/token: grant_type refresh_token mints an access token; authorization_code
  // exchanges a grant code for a new refresh token and its first access token.
  Reply MintToken(const Params& params, absl::Time now);
  Reply RevokeToken(const std::string& token);
  // Ends the life of every live access token now, as when they expire; returns how many.
  int ExpireAccessTokens(absl::Time now);
  // The owner of a live access token, or nullopt (unknown, expired, revoked, pushed out).
  std::optional<TokenOwner> Authenticate(const std::string& access_token, absl::Time now) const;

  // ---- limits ----
  // Counts a Projects call of `access_token`; nullopt when within 150/min, else the wait.
  std::optional<absl::Duration> ChargeProjectsCall(const std::string& access_token, absl::Time now);
  // Starts a CRM call for `user`; false when the user's concurrent calls are at the limit.
  bool BeginCrmCall(const std::string& user);
  void EndCrmCall(const std::string& user);
  // Takes one CRM API credit; false when the credits of the last 24 hours are spent.
  bool ChargeCrmCredit(absl::Time now);
  int64_t CrmCreditsRemaining(absl::Time now);
  // Leaves `remaining` credits from now on; spent ones still come back 24 hours after their call.
  void SetCrmCreditsRemaining(int64_t remaining, absl::Time now);

  // ---- CRM API (module is "Tasks", "Accounts" or "Deals") ----
  Reply CrmGetRecord(const std::string& module, const std::string& id) const;
  Reply CrmListRecords(const std::string& module, const Params& query,
                       std::optional<absl::Time> modified_since) const;
  Reply CrmCreateRecords(const std::string& module, const Json& body, const std::string& actor,
                         absl::Time now);
  // Records named in `refused_ids` are answered INVALID_DATA and left as they are.
  Reply CrmUpdateRecords(const std::string& module, const Json& body, const std::string& actor,
                         absl::Time now, const std::set<std::string>& refused_ids = {});
  Reply CrmDeleteRecord(const std::string& module, const std::string& id, const std::string& actor,
                        absl::Time now);
  Reply CrmListDeleted(const std::string& module, const Params& query,
                       std::optional<absl::Time> since) const;
  Reply CrmAddNotes(const std::string& module, const std::string& parent_id, const Json& body,
                    const std::string& actor, absl::Time now);
  Reply CrmListNotes(const std::string& module, const std::string& parent_id,
                     const Params& query = {}) const;
  Reply CrmListUsers(const Params& query) const;
  Reply CrmEnableWatch(const Json& body, absl::Time now);
  Reply CrmUpdateWatch(const Json& body, absl::Time now);
  Reply CrmDisableWatch(const Params& query);
  Reply CrmListWatch(absl::Time now) const;

  // ---- CRM seeding and inspection ----
  std::string CrmAddUser(const std::string& email, const std::string& full_name);
  // Inserts a record as is (ids and times are added); fires no webhook.
  absl::StatusOr<Json> CrmSeedRecord(const std::string& module, Json record, absl::Time now);
  std::optional<Json> CrmRecord(const std::string& module, const std::string& id) const;

  // ---- Projects API ----
  Reply ProjectsListPortals() const;
  Reply ProjectsListProjects(const std::string& portal, const Params& query) const;
  Reply ProjectsGetProject(const std::string& portal, const std::string& project) const;
  Reply ProjectsProjectClients(const std::string& portal, const std::string& project) const;
  // The portal's client companies, one page (index, range) at a time.
  Reply ProjectsListClients(const std::string& portal, const Params& query) const;
  Reply ProjectsListUsers(const std::string& portal) const;
  // Get Task Layout Details: the project's layout with its `status_details` (the portal's
  // task statuses: id, name, is_closed_type, color_code, is_default).
  Reply ProjectsTaskLayout(const std::string& portal, const std::string& project) const;
  Reply ProjectsListTasks(const std::string& portal, const std::string& project,
                          const std::optional<std::string>& parent, const Params& query) const;
  Reply ProjectsGetTask(const std::string& portal, const std::string& project,
                        const std::string& task) const;
  Reply ProjectsCreateTask(const std::string& portal, const std::string& project,
                           const std::optional<std::string>& parent, const Params& form,
                           const std::string& actor, absl::Time now);
  Reply ProjectsUpdateTask(const std::string& portal, const std::string& project,
                           const std::string& task, const Params& form, const std::string& actor,
                           absl::Time now);
  Reply ProjectsDeleteTask(const std::string& portal, const std::string& project,
                           const std::string& task, absl::Time now);
  Reply ProjectsListComments(const std::string& portal, const std::string& project,
                             const std::string& task) const;
  Reply ProjectsAddComment(const std::string& portal, const std::string& project,
                           const std::string& task, const Params& form, const std::string& actor,
                           absl::Time now);
  Reply ProjectsDeleteComment(const std::string& portal, const std::string& project,
                              const std::string& task, const std::string& comment, absl::Time now);

  // ---- Projects seeding and inspection ----
  Json ProjectsAddPortal(const std::string& name);
  absl::StatusOr<Json> ProjectsAddClient(const std::string& portal, const std::string& name);
  absl::StatusOr<Json> ProjectsAddUser(const std::string& portal, const std::string& name,
                                       const std::string& email);
  absl::StatusOr<Json> ProjectsAddProject(const std::string& portal, const Json& spec);
  absl::Status ProjectsSetWebhook(const std::string& portal, const std::string& url,
                                  const std::string& secret_param, const std::string& secret);
  // The project a task belongs to, for control calls that name only the task.
  std::optional<std::string> ProjectsProjectOfTask(const std::string& portal,
                                                   const std::string& task) const;
  std::optional<Json> ProjectsTask(const std::string& portal, const std::string& task) const;

  // Webhooks produced since the last call.
  std::vector<Webhook> TakeOutbox();

 private:
  struct Grant {
    std::string client_id;
    std::string user_email;
    std::vector<std::string> scopes;
    std::deque<absl::Time> mints;         // within the mint window
    std::deque<std::string> live_tokens;  // oldest first
  };
  struct Token {
    std::string refresh_token;
    absl::Time expiry;
  };
  struct GrantCode {
    std::string client_id;
    std::string user_email;
    std::vector<std::string> scopes;
    absl::Time expiry;
  };
  struct Channel {
    int64_t channel_id;
    std::vector<std::string> events;
    std::string notify_url;
    std::string token;
    absl::Time expiry;
    bool return_affected_field_values;
  };
  struct ProjectsTaskRecord {
    std::string project;
    Json json;
    std::vector<Json> comments;
  };
  struct Portal {
    Json json;
    std::vector<Json> statuses;
    std::map<std::string, Json> clients;
    std::map<std::string, Json> users;
    std::map<std::string, Json> projects;  // each with "client_id" kept aside in client_of
    std::map<std::string, std::string> client_of;
    std::map<std::string, ProjectsTaskRecord> tasks;
    std::optional<Webhook> webhook_template;  // url; body holds "param=secret"
    std::string secret_param, secret;
  };

  static constexpr absl::Duration kCrmCreditWindow = absl::Hours(24);

  std::string NewId();
  void ForgetOldCrmCharges(absl::Time now);
  std::string NewToken();
  Json CrmUserRef(const std::string& email) const;
  std::optional<Json> ValidateCrmRecord(const std::string& module, const Json& record,
                                        bool creating) const;
  void NotifyCrm(const std::string& module, const std::string& operation,
                 const std::vector<std::string>& ids, const Json& affected, absl::Time now);
  Portal* FindPortal(const std::string& portal);
  const Portal* FindPortal(const std::string& portal) const;
  absl::StatusOr<Json> ApplyTaskForm(Portal& portal, const Json& project, Json task,
                                     const Params& form, bool creating) const;
  void NotifyProjects(Portal& portal, const std::string& event, const std::string& project,
                      const std::string& task, const std::string& comment, absl::Time now);

  const SimOptions options_;
  std::string base_url_;
  std::string api_domain_;
  absl::BitGen random_;
  int64_t next_id_ = 5725767000000100001;

  std::map<std::string, std::string> oauth_clients_;              // id → secret
  std::map<std::string, GrantCode> grant_codes_;                  // unexchanged, by code
  std::map<std::string, Grant> grants_;                           // by refresh token
  std::map<std::string, Token> tokens_;                           // by access token
  std::map<std::string, std::deque<absl::Time>> projects_calls_;  // by access token
  std::map<std::string, int> crm_in_flight_;                      // by user
  int64_t crm_credit_limit_;
  std::deque<absl::Time> crm_charges_;  // CRM calls within the credit window, oldest first

  std::map<std::string, std::map<std::string, Json>> crm_;        // module → id → record
  std::map<std::string, std::vector<Json>> crm_deleted_;          // module → deleted entries
  std::map<std::string, std::vector<std::string>> crm_notes_of_;  // parent id → note ids
  std::map<std::string, Json> crm_users_;                         // by id
  std::map<int64_t, Channel> channels_;

  std::map<std::string, Portal> portals_;
  std::vector<Webhook> outbox_;
};

}  // namespace crmsync::zoho_sim

#endif  // CRMSYNC_TOOLS_ZOHO_SIM_SIM_STATE_H_

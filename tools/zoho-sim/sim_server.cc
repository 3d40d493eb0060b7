#include "tools/zoho-sim/sim_server.h"

#include <chrono>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/log.h"

namespace crmsync::zoho_sim {
namespace {

constexpr size_t kRequestLogSize = 10000;
constexpr size_t kWebhookLogSize = 1000;

Reply ControlError(int status, absl::string_view message) {
  return Reply{.status = status, .body = {{"error", std::string(message)}}};
}

Reply FromStatus(const absl::Status& status) {
  const int code = absl::IsNotFound(status) ? 404 : absl::IsAlreadyExists(status) ? 409 : 400;
  return ControlError(code, status.message());
}

void Write(const Reply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  if (!reply.body.is_null()) {
    res.set_content(reply.body.dump(-1, ' ', false, Json::error_handler_t::replace),
                    "application/json;charset=UTF-8");
  }
}

Reply CrmUnauthorized() {
  return Reply{.status = 401,
               .body = {{"code", "INVALID_OAUTHTOKEN"},
                        {"details", Json::object()},
                        {"message", "invalid oauth token"},
                        {"status", "error"}}};
}

Reply CrmTooManyRequests(absl::string_view message) {
  return Reply{.status = 429,
               .body = {{"code", "TOO_MANY_REQUESTS"},
                        {"details", Json::object()},
                        {"message", std::string(message)},
                        {"status", "error"}}};
}

// Past its requests per minute (and when a fault injects a 429) Projects answers this; the
// caller adds Retry-After.
Reply ProjectsTooManyRequests() {
  return Reply{.status = 429,
               .body = {{"error",
                         {{"code", "TOO_MANY_REQUESTS"},
                          {"message", "URL Rolling Throttles Limit Exceeded"}}}}};
}

Reply ProjectsUnauthorized() {
  return Reply{
      .status = 401,
      .body = {
          {"error", {{"code", "INVALID_OAUTHTOKEN"}, {"message", "Invalid OAuth access token"}}}}};
}

std::optional<absl::Time> IfModifiedSince(const httplib::Request& req) {
  if (!req.has_header("If-Modified-Since")) return std::nullopt;
  absl::Time t;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%S%Ez", req.get_header_value("If-Modified-Since"),
                       absl::UTCTimeZone(), &t, &error)) {
    return absl::InfinitePast();  // unparsable: everything counts as modified
  }
  return t;
}

// A control body's field values as the form parameters a person's edit would send.
Params ToParams(const Json& fields) {
  Params params;
  if (!fields.is_object()) return params;
  for (const auto& [key, value] : fields.items()) {
    if (value.is_string()) {
      params.emplace(key, value.get<std::string>());
    } else if (value.is_array()) {
      std::vector<std::string> parts;
      for (const auto& item : value)
        parts.push_back(item.is_string() ? item.get<std::string>() : item.dump());
      params.emplace(key, absl::StrJoin(parts, ","));
    } else {
      params.emplace(key, value.dump());
    }
  }
  return params;
}

std::string Str(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// The string entries of the body's "scopes" array.
std::vector<std::string> Scopes(const Json& body) {
  std::vector<std::string> scopes;
  if (body.contains("scopes") && body["scopes"].is_array()) {
    for (const auto& s : body["scopes"]) {
      if (s.is_string()) scopes.push_back(s.get<std::string>());
    }
  }
  return scopes;
}

}  // namespace

SimServer::SimServer(SimOptions options)
    : state_(std::move(options)),
      webhook_client_({.connect_timeout = absl::Seconds(2), .total_timeout = absl::Seconds(5)}) {
  server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
  // Idle keep-alive connections hold a worker until they time out, and stopping waits for every
  // worker: a short timeout keeps SIGTERM prompt.
  server_.set_keep_alive_timeout(1);
  // Headers and body go out in separate writes; without this Nagle holds the body for an ACK.
  server_.set_tcp_nodelay(true);
  RegisterAccounts();
  RegisterCrm();
  RegisterProjects();
  RegisterControl();
  webhook_thread_ = std::thread([this] { DeliverWebhooks(); });
}

SimServer::~SimServer() {
  Stop();
  webhook_thread_.join();
}

absl::StatusOr<int> SimServer::Bind(const std::string& host, int port) {
  const int bound =
      port == 0 ? server_.bind_to_any_port(host) : (server_.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) return absl::UnavailableError(absl::StrCat("cannot bind ", host, ":", port));
  base_url_ = absl::StrCat("http://", host, ":", bound);
  std::lock_guard lock(mutex_);
  state_.set_base_url(base_url_);
  return bound;
}

void SimServer::Serve() { server_.listen_after_bind(); }

void SimServer::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  webhook_wakeup_.notify_all();
  faults_changed_.notify_all();
  server_.stop();
}

absl::Time SimServer::Now() const { return absl::Now() + clock_offset_; }

std::optional<Faults> SimServer::ActiveFaults(const std::string& path) {
  if (Now() >= faults_.until || !absl::StartsWith(path, faults_.path_prefix)) return std::nullopt;
  return faults_;
}

std::string SimServer::TokenAlias(const httplib::Request& req) {
  constexpr absl::string_view kScheme = "Zoho-oauthtoken ";
  const std::string header = req.get_header_value("Authorization");
  if (!absl::StartsWith(header, kScheme)) return "";
  const std::string token = header.substr(kScheme.size());
  auto [it, added] = token_aliases_.try_emplace(token);
  if (added) it->second = absl::StrCat("t", token_aliases_.size());
  return it->second;
}

void SimServer::Record(const httplib::Request& req, const std::string& endpoint, int status,
                       const Arrival& arrival) {
  ++counts_[endpoint];
  // The path only: queries may carry tokens (revoke).
  request_log_.push_back({{"time", absl::FormatTime(Now())},
                          {"arrived_us", absl::ToUnixMicros(arrival.time)},
                          {"token", arrival.token},
                          {"method", req.method},
                          {"path", req.path},
                          {"endpoint", endpoint},
                          {"status", status}});
  if (request_log_.size() > kRequestLogSize) request_log_.pop_front();
}

void SimServer::Route(const std::string& method, const std::string& pattern,
                      const std::string& endpoint, Api api, ApiHandler handler) {
  auto wrapped = [this, endpoint, api, handler](const httplib::Request& req,
                                                httplib::Response& res) {
    std::optional<Faults> faults;
    double dice = 0;
    bool slow = false;
    Arrival arrival;
    {
      std::lock_guard lock(mutex_);
      faults = ActiveFaults(req.path);
      dice = absl::Uniform(random_, 0.0, 1.0);
      slow = faults.has_value() && faults->latency > absl::ZeroDuration() &&
             absl::Bernoulli(random_, faults->latency_share);
      arrival = {Now(), TokenAlias(req)};
      if (api == Api::kCrm && !arrival.token.empty()) {
        InFlight& in_flight = crm_in_flight_[arrival.token];
        in_flight.high_water = std::max(in_flight.high_water, ++in_flight.now);
      }
    }
    // The request is in flight until its reply is written, whichever way it ends.
    absl::Cleanup answered = [this, api, &arrival] {
      if (api != Api::kCrm || arrival.token.empty()) return;
      std::lock_guard lock(mutex_);
      --crm_in_flight_[arrival.token].now;
    };
    if (faults.has_value()) {
      if (dice < faults->drop_share) {
        std::lock_guard lock(mutex_);
        ++injected_["drop"];
        Record(req, endpoint, 0, arrival);
        // Promise a body and never send it: the client sees the connection end mid-reply.
        res.set_content_provider(64, "application/json",
                                 [](size_t, size_t, httplib::DataSink&) { return false; });
        return;
      }
      dice -= faults->drop_share;
      if (dice >= 0 && dice < faults->error_429_share) {
        std::lock_guard lock(mutex_);
        ++injected_["error_429"];
        Record(req, endpoint, 429, arrival);
        // Each API throttles in its own shape (the same as its limits answer).
        Reply reply = api == Api::kProjects ? ProjectsTooManyRequests()
                                            : CrmTooManyRequests("too many requests");
        reply.headers.emplace_back("Retry-After",
                                   absl::StrCat(absl::ToInt64Seconds(faults->retry_after)));
        Write(reply, res);
        return;
      }
      dice -= faults->error_429_share;
      if (dice >= 0 && dice < faults->error_5xx_share) {
        std::lock_guard lock(mutex_);
        ++injected_["error_5xx"];
        Record(req, endpoint, 503, arrival);
        Write(Reply{.status = 503, .body = {{"code", "INTERNAL_ERROR"}, {"status", "error"}}}, res);
        return;
      }
    }

    Caller caller;
    std::optional<std::string> crm_user;
    {
      std::lock_guard lock(mutex_);
      if (api != Api::kAccounts) {
        const std::string header = req.get_header_value("Authorization");
        constexpr absl::string_view kScheme = "Zoho-oauthtoken ";
        std::optional<TokenOwner> owner;
        if (absl::StartsWith(header, kScheme)) {
          owner = state_.Authenticate(header.substr(kScheme.size()), Now());
        }
        const std::string service = api == Api::kCrm ? "ZohoCRM." : "ZohoProjects.";
        const bool scoped =
            owner.has_value() &&
            (owner->scopes.empty() ||
             std::any_of(owner->scopes.begin(), owner->scopes.end(),
                         [&](const std::string& s) { return absl::StartsWith(s, service); }));
        if (!scoped) {
          const Reply reply = api == Api::kCrm ? CrmUnauthorized() : ProjectsUnauthorized();
          Record(req, endpoint, reply.status, arrival);
          Write(reply, res);
          return;
        }
        caller.user_email = owner->user_email;
        if (api == Api::kProjects) {
          if (auto wait = state_.ChargeProjectsCall(header.substr(kScheme.size()), Now())) {
            Reply reply = ProjectsTooManyRequests();
            reply.headers.emplace_back(
                "Retry-After", absl::StrCat(std::max<int64_t>(
                                   1, absl::ToInt64Seconds(absl::Ceil(*wait, absl::Seconds(1))))));
            Record(req, endpoint, 429, arrival);
            Write(reply, res);
            return;
          }
        } else {
          if (!state_.BeginCrmCall(caller.user_email)) {
            Record(req, endpoint, 429, arrival);
            Write(CrmTooManyRequests("concurrent calls exceeded the limit"), res);
            return;
          }
          // Past the credits of the last 24 hours CRM answers as it does past the concurrency
          // limit: HTTP 429 TOO_MANY_REQUESTS (api-limits.html).
          if (!state_.ChargeCrmCredit(Now())) {
            state_.EndCrmCall(caller.user_email);
            Record(req, endpoint, 429, arrival);
            Write(CrmTooManyRequests("the API credits of the last 24 hours are used up"), res);
            return;
          }
          crm_user = caller.user_email;
        }
      }
    }
    if (slow) {
      std::unique_lock lock(mutex_);
      ++injected_["latency"];
      const uint64_t generation = faults_generation_;
      faults_changed_.wait_for(lock, absl::ToChronoNanoseconds(faults->latency),
                               [&] { return stopping_ || faults_generation_ != generation; });
    }
    Reply reply;
    {
      std::lock_guard lock(mutex_);
      reply = handler(req, caller, Now());
      if (crm_user.has_value()) state_.EndCrmCall(*crm_user);
      Record(req, endpoint, reply.status, arrival);
    }
    QueueWebhooks();
    Write(reply, res);
  };
  if (method == "GET") server_.Get(pattern, wrapped);
  if (method == "POST") server_.Post(pattern, wrapped);
  if (method == "PUT") server_.Put(pattern, wrapped);
  if (method == "DELETE") server_.Delete(pattern, wrapped);
}

void SimServer::Control(const std::string& method, const std::string& pattern,
                        ControlHandler handler) {
  auto wrapped = [this, handler](const httplib::Request& req, httplib::Response& res) {
    Json body = Json::object();
    if (!req.body.empty()) {
      body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded() || !body.is_object()) {
        Write(ControlError(400, "body must be a JSON object"), res);
        return;
      }
    }
    Reply reply;
    {
      std::lock_guard lock(mutex_);
      reply = handler(req, body);
    }
    QueueWebhooks();
    Write(reply, res);
  };
  if (method == "GET") server_.Get(pattern, wrapped);
  if (method == "POST") server_.Post(pattern, wrapped);
  if (method == "DELETE") server_.Delete(pattern, wrapped);
}

void SimServer::RegisterAccounts() {
  Route("POST", "/oauth/v2/token", "POST /oauth/v2/token", Api::kAccounts,
        [this](const httplib::Request& req, const Caller&, absl::Time now) {
          return state_.MintToken(req.params, now);
        });
  Route("POST", "/oauth/v2/token/revoke", "POST /oauth/v2/token/revoke", Api::kAccounts,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.RevokeToken(req.get_param_value("token"));
        });
}

void SimServer::RegisterCrm() {
  const std::string modules = "(Tasks|Accounts|Deals)";
  auto json_body = [](const httplib::Request& req) {
    return Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  };
  auto bad_json = [] {
    return Reply{.status = 400,
                 .body = {{"code", "INVALID_DATA"},
                          {"details", Json::object()},
                          {"message", "body is not valid JSON"},
                          {"status", "error"}}};
  };
  Route("GET", "/crm/v2/" + modules, "GET /crm/v2/{module}", Api::kCrm,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.CrmListRecords(req.matches[1], req.params, IfModifiedSince(req));
        });
  Route("POST", "/crm/v2/" + modules, "POST /crm/v2/{module}", Api::kCrm,
        [=, this](const httplib::Request& req, const Caller& caller, absl::Time now) {
          Json body = json_body(req);
          if (body.is_discarded()) return bad_json();
          return state_.CrmCreateRecords(req.matches[1], body, caller.user_email, now);
        });
  Route("PUT", "/crm/v2/" + modules, "PUT /crm/v2/{module}", Api::kCrm,
        [=, this](const httplib::Request& req, const Caller& caller, absl::Time now) {
          Json body = json_body(req);
          if (body.is_discarded()) return bad_json();
          const std::optional<Faults> faults = ActiveFaults(req.path);
          return state_.CrmUpdateRecords(
              req.matches[1], body, caller.user_email, now,
              faults ? faults->crm_invalid_data_ids : std::set<std::string>{});
        });
  Route("GET", "/crm/v2/" + modules + "/deleted", "GET /crm/v2/{module}/deleted", Api::kCrm,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.CrmListDeleted(req.matches[1], req.params, IfModifiedSince(req));
        });
  Route("GET", "/crm/v2/" + modules + "/(\\d+)", "GET /crm/v2/{module}/{id}", Api::kCrm,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.CrmGetRecord(req.matches[1], req.matches[2]);
        });
  Route("DELETE", "/crm/v2/" + modules + "/(\\d+)", "DELETE /crm/v2/{module}/{id}", Api::kCrm,
        [this](const httplib::Request& req, const Caller& caller, absl::Time now) {
          return state_.CrmDeleteRecord(req.matches[1], req.matches[2], caller.user_email, now);
        });
  // Notes are listed across modules (If-Modified-Since as for records) and deleted through their
  // own module (Zoho's Notes API); listed and added under a task. Notes have no deleted list:
  // Get Deleted Records does not support the module.
  Route("GET", "/crm/v2/Notes", "GET /crm/v2/Notes", Api::kCrm,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.CrmListRecords("Notes", req.params, IfModifiedSince(req));
        });
  Route("DELETE", "/crm/v2/Notes/(\\d+)", "DELETE /crm/v2/Notes/{id}", Api::kCrm,
        [this](const httplib::Request& req, const Caller& caller, absl::Time now) {
          return state_.CrmDeleteRecord("Notes", req.matches[1], caller.user_email, now);
        });
  Route("GET", "/crm/v2/" + modules + "/(\\d+)/Notes", "GET /crm/v2/{module}/{id}/Notes", Api::kCrm,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.CrmListNotes(req.matches[1], req.matches[2], req.params);
        });
  Route("POST", "/crm/v2/" + modules + "/(\\d+)/Notes", "POST /crm/v2/{module}/{id}/Notes",
        Api::kCrm, [=, this](const httplib::Request& req, const Caller& caller, absl::Time now) {
          Json body = json_body(req);
          if (body.is_discarded()) return bad_json();
          return state_.CrmAddNotes(req.matches[1], req.matches[2], body, caller.user_email, now);
        });
  Route("GET", "/crm/v2/users", "GET /crm/v2/users", Api::kCrm,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.CrmListUsers(req.params);
        });
  Route("GET", "/crm/v2/actions/watch", "GET /crm/v2/actions/watch", Api::kCrm,
        [this](const httplib::Request&, const Caller&, absl::Time now) {
          return state_.CrmListWatch(now);
        });
  Route("POST", "/crm/v2/actions/watch", "POST /crm/v2/actions/watch", Api::kCrm,
        [=, this](const httplib::Request& req, const Caller&, absl::Time now) {
          Json body = json_body(req);
          if (body.is_discarded()) return bad_json();
          return state_.CrmEnableWatch(body, now);
        });
  Route("PUT", "/crm/v2/actions/watch", "PUT /crm/v2/actions/watch", Api::kCrm,
        [=, this](const httplib::Request& req, const Caller&, absl::Time now) {
          Json body = json_body(req);
          if (body.is_discarded()) return bad_json();
          return state_.CrmUpdateWatch(body, now);
        });
  Route("DELETE", "/crm/v2/actions/watch", "DELETE /crm/v2/actions/watch", Api::kCrm,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.CrmDisableWatch(req.params);
        });
}

void SimServer::RegisterProjects() {
  const std::string portal = "/restapi/portal/(\\d+)";
  const std::string project = portal + "/projects/(\\d+)";
  const std::string task = project + "/tasks/(\\d+)";
  const std::string p = "/restapi/portal/{portal}";
  const std::string pp = p + "/projects/{project}";
  const std::string pt = pp + "/tasks/{task}";
  Route("GET", "/restapi/portals/?", "GET /restapi/portals/", Api::kProjects,
        [this](const httplib::Request&, const Caller&, absl::Time) {
          return state_.ProjectsListPortals();
        });
  Route("GET", portal + "/projects/?", "GET " + p + "/projects/", Api::kProjects,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.ProjectsListProjects(req.matches[1], req.params);
        });
  Route("GET", project + "/?", "GET " + pp + "/", Api::kProjects,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.ProjectsGetProject(req.matches[1], req.matches[2]);
        });
  Route("GET", project + "/clients/?", "GET " + pp + "/clients/", Api::kProjects,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.ProjectsProjectClients(req.matches[1], req.matches[2]);
        });
  Route("GET", portal + "/clients/?", "GET " + p + "/clients/", Api::kProjects,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.ProjectsListClients(req.matches[1], req.params);
        });
  Route("GET", portal + "/users/?", "GET " + p + "/users/", Api::kProjects,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.ProjectsListUsers(req.matches[1]);
        });
  Route("GET", project + "/tasklayouts/?", "GET " + pp + "/tasklayouts", Api::kProjects,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.ProjectsTaskLayout(req.matches[1], req.matches[2]);
        });
  Route("GET", project + "/tasks/?", "GET " + pp + "/tasks/", Api::kProjects,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.ProjectsListTasks(req.matches[1], req.matches[2], std::nullopt, req.params);
        });
  Route("POST", project + "/tasks/?", "POST " + pp + "/tasks/", Api::kProjects,
        [this](const httplib::Request& req, const Caller& caller, absl::Time now) {
          return state_.ProjectsCreateTask(req.matches[1], req.matches[2], std::nullopt, req.params,
                                           caller.user_email, now);
        });
  Route("GET", task + "/?", "GET " + pt + "/", Api::kProjects,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.ProjectsGetTask(req.matches[1], req.matches[2], req.matches[3]);
        });
  Route("POST", task + "/?", "POST " + pt + "/", Api::kProjects,
        [this](const httplib::Request& req, const Caller& caller, absl::Time now) {
          return state_.ProjectsUpdateTask(req.matches[1], req.matches[2], req.matches[3],
                                           req.params, caller.user_email, now);
        });
  Route("DELETE", task + "/?", "DELETE " + pt + "/", Api::kProjects,
        [this](const httplib::Request& req, const Caller&, absl::Time now) {
          return state_.ProjectsDeleteTask(req.matches[1], req.matches[2], req.matches[3], now);
        });
  Route("GET", task + "/subtasks/?", "GET " + pt + "/subtasks/", Api::kProjects,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.ProjectsListTasks(req.matches[1], req.matches[2],
                                          std::string(req.matches[3]), req.params);
        });
  Route("POST", task + "/subtasks/?", "POST " + pt + "/subtasks/", Api::kProjects,
        [this](const httplib::Request& req, const Caller& caller, absl::Time now) {
          return state_.ProjectsCreateTask(req.matches[1], req.matches[2],
                                           std::string(req.matches[3]), req.params,
                                           caller.user_email, now);
        });
  Route("GET", task + "/comments/?", "GET " + pt + "/comments/", Api::kProjects,
        [this](const httplib::Request& req, const Caller&, absl::Time) {
          return state_.ProjectsListComments(req.matches[1], req.matches[2], req.matches[3]);
        });
  Route("POST", task + "/comments/?", "POST " + pt + "/comments/", Api::kProjects,
        [this](const httplib::Request& req, const Caller& caller, absl::Time now) {
          return state_.ProjectsAddComment(req.matches[1], req.matches[2], req.matches[3],
                                           req.params, caller.user_email, now);
        });
  Route("DELETE", task + "/comments/(\\d+)/?", "DELETE " + pt + "/comments/{comment}/",
        Api::kProjects, [this](const httplib::Request& req, const Caller&, absl::Time now) {
          return state_.ProjectsDeleteComment(req.matches[1], req.matches[2], req.matches[3],
                                              req.matches[4], now);
        });
}

void SimServer::RegisterControl() {
  Control("POST", "/_sim/oauth/clients", [this](const httplib::Request&, const Json& body) {
    if (Str(body, "client_id").empty() || Str(body, "client_secret").empty()) {
      return ControlError(400, "client_id and client_secret are required");
    }
    state_.AddOAuthClient(Str(body, "client_id"), Str(body, "client_secret"));
    return Reply{.status = 201, .body = {{"client_id", Str(body, "client_id")}}};
  });
  Control("POST", "/_sim/oauth/api_domain", [this](const httplib::Request&, const Json& body) {
    const std::string api_domain = Str(body, "api_domain");
    if (!api_domain.empty() && !absl::StartsWith(api_domain, "https://") &&
        !absl::StartsWith(api_domain, "http://")) {
      return ControlError(400, "api_domain must be an http(s) base URL, or empty");
    }
    state_.set_api_domain(api_domain);
    return Reply{.status = 200, .body = {{"api_domain", api_domain}}};
  });
  Control("POST", "/_sim/oauth/expire_tokens", [this](const httplib::Request&, const Json&) {
    return Reply{.status = 200, .body = {{"expired", state_.ExpireAccessTokens(Now())}}};
  });
  Control("POST", "/_sim/oauth/grants", [this](const httplib::Request&, const Json& body) {
    auto token = state_.AddGrant(Str(body, "client_id"), Str(body, "refresh_token"),
                                 Str(body, "user_email"), Scopes(body));
    if (!token.ok()) return FromStatus(token.status());
    return Reply{.status = 201, .body = {{"refresh_token", *token}}};
  });
  Control("POST", "/_sim/oauth/grant_codes", [this](const httplib::Request&, const Json& body) {
    int minutes = 3;  // the API console's default
    if (body.contains("expiry_minutes")) {
      if (!body["expiry_minutes"].is_number_integer()) {
        return ControlError(400, "expiry_minutes: 3, 5, 7 or 10");
      }
      minutes = body["expiry_minutes"].get<int>();
    }
    const absl::Time now = Now();
    auto code = state_.IssueGrantCode(Str(body, "client_id"), Str(body, "user_email"), Scopes(body),
                                      absl::Minutes(minutes), now);
    if (!code.ok()) return FromStatus(code.status());
    return Reply{
        .status = 201,
        .body = {{"code", *code},
                 {"expiry_time", absl::FormatTime(absl::RFC3339_sec, now + absl::Minutes(minutes),
                                                  absl::UTCTimeZone())}}};
  });
  Control("POST", "/_sim/clock/advance", [this](const httplib::Request&, const Json& body) {
    if (!body.contains("seconds") || !body["seconds"].is_number() || body["seconds"] < 0) {
      return ControlError(400, "seconds must be a non-negative number");
    }
    clock_offset_ += absl::Seconds(body["seconds"].get<double>());
    return Reply{.status = 200, .body = {{"now", absl::FormatTime(Now())}}};
  });
  Control("POST", "/_sim/crm/users", [this](const httplib::Request&, const Json& body) {
    if (Str(body, "email").empty()) return ControlError(400, "email is required");
    return Reply{.status = 201,
                 .body = {{"id", state_.CrmAddUser(Str(body, "email"), Str(body, "full_name"))}}};
  });
  Control("POST", "/_sim/crm/(Tasks|Accounts|Deals)",
          [this](const httplib::Request& req, const Json& body) {
            auto record = state_.CrmSeedRecord(req.matches[1], body, Now());
            if (!record.ok()) return FromStatus(record.status());
            return Reply{.status = 201, .body = *record};
          });
  Control("GET", "/_sim/crm/(Tasks|Accounts|Deals|Notes)/(\\d+)",
          [this](const httplib::Request& req, const Json&) {
            auto record = state_.CrmRecord(req.matches[1], req.matches[2]);
            if (!record.has_value()) return ControlError(404, "no such record");
            return Reply{.status = 200, .body = *record};
          });
  Control("POST", "/_sim/crm/(Tasks|Accounts|Deals)/(\\d+)/edit",
          [this](const httplib::Request& req, const Json& body) {
            Json fields = body.value("fields", Json::object());
            fields["id"] = std::string(req.matches[2]);
            return state_.CrmUpdateRecords(req.matches[1], {{"data", Json::array({fields})}},
                                           Str(body, "user_email"), Now());
          });
  Control("POST", "/_sim/crm/(Tasks|Accounts|Deals|Notes)/(\\d+)/delete",
          [this](const httplib::Request& req, const Json& body) {
            return state_.CrmDeleteRecord(req.matches[1], req.matches[2], Str(body, "user_email"),
                                          Now());
          });
  Control("POST", "/_sim/crm/Tasks/(\\d+)/notes",
          [this](const httplib::Request& req, const Json& body) {
            Json note = {{"Note_Content", body.value("Note_Content", Json(nullptr))}};
            if (body.contains("Note_Title")) note["Note_Title"] = body["Note_Title"];
            return state_.CrmAddNotes("Tasks", req.matches[1], {{"data", Json::array({note})}},
                                      Str(body, "user_email"), Now());
          });
  Control("GET", "/_sim/crm/Tasks/(\\d+)/notes", [this](const httplib::Request& req, const Json&) {
    return state_.CrmListNotes("Tasks", req.matches[1]);
  });
  Control("GET", "/_sim/crm/credits", [this](const httplib::Request&, const Json&) {
    return Reply{.status = 200, .body = {{"remaining", state_.CrmCreditsRemaining(Now())}}};
  });
  Control("POST", "/_sim/crm/credits", [this](const httplib::Request&, const Json& body) {
    if (!body.contains("remaining") || !body["remaining"].is_number_integer() ||
        body["remaining"] < 0) {
      return ControlError(400, "remaining must be a non-negative integer");
    }
    state_.SetCrmCreditsRemaining(body["remaining"].get<int64_t>(), Now());
    return Reply{.status = 200, .body = {{"remaining", state_.CrmCreditsRemaining(Now())}}};
  });
  Control("GET", "/_sim/crm/watch",
          [this](const httplib::Request&, const Json&) { return state_.CrmListWatch(Now()); });
  Control("POST", "/_sim/projects/portals", [this](const httplib::Request&, const Json& body) {
    if (Str(body, "name").empty()) return ControlError(400, "name is required");
    return Reply{.status = 201, .body = state_.ProjectsAddPortal(Str(body, "name"))};
  });
  Control("POST", "/_sim/projects/portals/(\\d+)/clients",
          [this](const httplib::Request& req, const Json& body) {
            auto client = state_.ProjectsAddClient(req.matches[1], Str(body, "name"));
            if (!client.ok()) return FromStatus(client.status());
            return Reply{.status = 201, .body = *client};
          });
  Control("POST", "/_sim/projects/portals/(\\d+)/users",
          [this](const httplib::Request& req, const Json& body) {
            auto user =
                state_.ProjectsAddUser(req.matches[1], Str(body, "name"), Str(body, "email"));
            if (!user.ok()) return FromStatus(user.status());
            return Reply{.status = 201, .body = *user};
          });
  Control("POST", "/_sim/projects/portals/(\\d+)/projects",
          [this](const httplib::Request& req, const Json& body) {
            auto project = state_.ProjectsAddProject(req.matches[1], body);
            if (!project.ok()) return FromStatus(project.status());
            return Reply{.status = 201, .body = *project};
          });
  Control("POST", "/_sim/projects/portals/(\\d+)/webhook",
          [this](const httplib::Request& req, const Json& body) {
            auto status = state_.ProjectsSetWebhook(req.matches[1], Str(body, "url"),
                                                    Str(body, "secret_param"), Str(body, "secret"));
            if (!status.ok()) return FromStatus(status);
            return Reply{.status = 200, .body = {{"status", "configured"}}};
          });
  Control("POST", "/_sim/projects/portals/(\\d+)/projects/(\\d+)/tasks",
          [this](const httplib::Request& req, const Json& body) {
            std::optional<std::string> parent;
            if (body.contains("parent_task_id")) parent = Str(body, "parent_task_id");
            return state_.ProjectsCreateTask(req.matches[1], req.matches[2], parent,
                                             ToParams(body.value("fields", Json::object())),
                                             Str(body, "user_email"), Now());
          });
  auto with_project = [this](const httplib::Request& req,
                             const std::function<Reply(const std::string&)>& then) {
    auto project = state_.ProjectsProjectOfTask(req.matches[1], req.matches[2]);
    if (!project.has_value()) return ControlError(404, "no such task");
    return then(*project);
  };
  Control("GET", "/_sim/projects/portals/(\\d+)/tasks/(\\d+)",
          [this](const httplib::Request& req, const Json&) {
            auto task = state_.ProjectsTask(req.matches[1], req.matches[2]);
            if (!task.has_value()) return ControlError(404, "no such task");
            return Reply{.status = 200, .body = *task};
          });
  Control("POST", "/_sim/projects/portals/(\\d+)/tasks/(\\d+)/edit",
          [this, with_project](const httplib::Request& req, const Json& body) {
            return with_project(req, [&](const std::string& project) {
              return state_.ProjectsUpdateTask(req.matches[1], project, req.matches[2],
                                               ToParams(body.value("fields", Json::object())),
                                               Str(body, "user_email"), Now());
            });
          });
  Control("POST", "/_sim/projects/portals/(\\d+)/tasks/(\\d+)/comments",
          [this, with_project](const httplib::Request& req, const Json& body) {
            return with_project(req, [&](const std::string& project) {
              return state_.ProjectsAddComment(req.matches[1], project, req.matches[2],
                                               {{"content", Str(body, "content")}},
                                               Str(body, "user_email"), Now());
            });
          });
  Control("POST", "/_sim/projects/portals/(\\d+)/tasks/(\\d+)/comments/(\\d+)/delete",
          [this, with_project](const httplib::Request& req, const Json&) {
            return with_project(req, [&](const std::string& project) {
              return state_.ProjectsDeleteComment(req.matches[1], project, req.matches[2],
                                                  req.matches[3], Now());
            });
          });
  Control("POST", "/_sim/projects/portals/(\\d+)/tasks/(\\d+)/delete",
          [this, with_project](const httplib::Request& req, const Json&) {
            return with_project(req, [&](const std::string& project) {
              return state_.ProjectsDeleteTask(req.matches[1], project, req.matches[2], Now());
            });
          });
  Control("GET", "/_sim/requests", [this](const httplib::Request&, const Json&) {
    return Reply{
        .status = 200,
        .body = {{"requests", Json(std::vector<Json>(request_log_.begin(), request_log_.end()))}}};
  });
  Control("DELETE", "/_sim/requests", [this](const httplib::Request&, const Json&) {
    request_log_.clear();
    counts_.clear();
    for (auto& [token, in_flight] : crm_in_flight_) in_flight.high_water = in_flight.now;
    return Reply{.status = 200, .body = {{"status", "cleared"}}};
  });
  Control("GET", "/_sim/counts", [this](const httplib::Request&, const Json&) {
    return Reply{.status = 200, .body = {{"counts", counts_}}};
  });
  Control("GET", "/_sim/concurrency", [this](const httplib::Request&, const Json&) {
    Json crm = Json::object();
    for (const auto& [token, in_flight] : crm_in_flight_) {
      crm[token] = {{"in_flight", in_flight.now}, {"high_water", in_flight.high_water}};
    }
    return Reply{.status = 200, .body = {{"crm", crm}}};
  });
  Control("GET", "/_sim/webhooks", [this](const httplib::Request&, const Json&) {
    return Reply{
        .status = 200,
        .body = {{"deliveries", Json(std::vector<Json>(webhook_log_.begin(), webhook_log_.end()))},
                 {"pending", webhook_queue_.size()}}};
  });
  Control("POST", "/_sim/faults", [this](const httplib::Request&, const Json& body) {
    Faults faults;
    auto share = [&](const char* key, double* out) {
      if (!body.contains(key)) return true;
      if (!body[key].is_number() || body[key] < 0 || body[key] > 1) return false;
      *out = body[key].get<double>();
      return true;
    };
    if (!share("error_429_share", &faults.error_429_share) ||
        !share("error_5xx_share", &faults.error_5xx_share) ||
        !share("drop_share", &faults.drop_share) ||
        !share("webhook_duplicate_share", &faults.webhook_duplicate_share) ||
        !share("latency_share", &faults.latency_share) ||
        !share("webhook_drop_share", &faults.webhook_drop_share)) {
      return ControlError(400, "shares must be numbers between 0 and 1");
    }
    if (body.contains("crm_invalid_data_ids")) {
      if (!body["crm_invalid_data_ids"].is_array()) {
        return ControlError(400, "crm_invalid_data_ids must be an array of record ids");
      }
      for (const auto& id : body["crm_invalid_data_ids"]) {
        if (!id.is_string()) return ControlError(400, "record ids must be strings");
        faults.crm_invalid_data_ids.insert(id.get<std::string>());
      }
    }
    faults.latency = absl::Milliseconds(body.value("latency_ms", 0));
    faults.retry_after = absl::Seconds(body.value("retry_after_seconds", 1));
    if (faults.retry_after < absl::ZeroDuration()) {
      return ControlError(400, "retry_after_seconds must not be negative");
    }
    faults.webhook_delay = absl::Milliseconds(body.value("webhook_delay_ms", 0));
    faults.webhook_jitter = absl::Milliseconds(body.value("webhook_jitter_ms", 0));
    if (faults.webhook_delay < absl::ZeroDuration() ||
        faults.webhook_jitter < absl::ZeroDuration()) {
      return ControlError(400, "webhook delays must not be negative");
    }
    faults.path_prefix = body.value("path_prefix", std::string());
    faults.until = Now() + absl::Seconds(body.value("duration_seconds", 60.0));
    faults_ = faults;
    ++faults_generation_;
    faults_changed_.notify_all();
    return Reply{.status = 200, .body = {{"until", absl::FormatTime(faults.until)}}};
  });
  Control("GET", "/_sim/faults", [this](const httplib::Request&, const Json&) {
    Json injected = Json::object();
    for (const auto& [kind, count] : injected_) injected[kind] = count;
    return Reply{.status = 200,
                 .body = {{"active", Now() < faults_.until}, {"injected", injected}}};
  });
  Control("DELETE", "/_sim/faults", [this](const httplib::Request&, const Json&) {
    faults_ = Faults{};
    ++faults_generation_;
    faults_changed_.notify_all();
    return Reply{.status = 200, .body = {{"status", "cleared"}}};
  });
}

void SimServer::QueueWebhooks() {
  {
    std::lock_guard lock(mutex_);
    const Faults faults = Now() < faults_.until ? faults_ : Faults{};
    for (Webhook& webhook : state_.TakeOutbox()) {
      if (absl::Bernoulli(random_, faults.webhook_drop_share)) {
        ++injected_["webhook_drop"];
        webhook_log_.push_back({{"time", absl::FormatTime(absl::Now())},
                                {"url", http::RedactedUrl(webhook.url)},
                                {"content_type", webhook.content_type},
                                {"body", webhook.body},
                                {"error", "dropped (injected fault)"}});
        if (webhook_log_.size() > kWebhookLogSize) webhook_log_.pop_front();
        continue;
      }
      // Each copy of a duplicated webhook gets its own jitter, so they may come apart.
      const auto due = [&] {
        return absl::Now() + faults.webhook_delay +
               absl::Milliseconds(
                   absl::Uniform<int64_t>(absl::IntervalClosed, random_, 0,
                                          absl::ToInt64Milliseconds(faults.webhook_jitter)));
      };
      if (faults.webhook_delay > absl::ZeroDuration() ||
          faults.webhook_jitter > absl::ZeroDuration()) {
        ++injected_["webhook_delay"];
      }
      if (absl::Bernoulli(random_, faults.webhook_duplicate_share)) {
        ++injected_["webhook_duplicate"];
        webhook_queue_.push_back({due(), webhook});
      }
      webhook_queue_.push_back({due(), std::move(webhook)});
    }
  }
  webhook_wakeup_.notify_all();
}

void SimServer::DeliverWebhooks() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (webhook_queue_.empty()) {
      webhook_wakeup_.wait(lock);
      continue;
    }
    auto next = std::min_element(webhook_queue_.begin(), webhook_queue_.end(),
                                 [](const auto& a, const auto& b) { return a.due < b.due; });
    const absl::Duration wait = next->due - absl::Now();
    if (wait > absl::ZeroDuration()) {
      webhook_wakeup_.wait_for(lock,
                               absl::ToChronoMilliseconds(wait) + std::chrono::milliseconds(1));
      continue;
    }
    Webhook webhook = std::move(next->webhook);
    webhook_queue_.erase(next);
    lock.unlock();
    auto response = webhook_client_.Send({.method = http::Method::kPost,
                                          .url = webhook.url,
                                          .headers = {{"Content-Type", webhook.content_type}},
                                          .body = webhook.body});
    Json entry = {{"time", absl::FormatTime(absl::Now())},
                  {"url", http::RedactedUrl(webhook.url)},
                  {"content_type", webhook.content_type},
                  {"body", webhook.body}};
    // A failed delivery is logged and not sent again: neither CRM's Enable Notifications page
    // nor Projects' webhook pages document a retry, so a receiver must not count on one and
    // finds a lost change by reading the changes back.
    if (response.ok()) {
      entry["status"] = response->status;
    } else {
      entry["error"] = response.status().ToString();
      LogWarning("webhook delivery failed", {{"url", http::RedactedUrl(webhook.url)},
                                             {"error", response.status().ToString()}});
    }
    lock.lock();
    webhook_log_.push_back(std::move(entry));
    if (webhook_log_.size() > kWebhookLogSize) webhook_log_.pop_front();
  }
}

}  // namespace crmsync::zoho_sim

// zoho-sim's own behaviour, over HTTP as any client sees it: the token limits, the per-token API
// limits, authorization, the control API, faults and webhooks.
#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/http/http_client.h"
#include "libs/http/url.h"
#include "nlohmann/json.hpp"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync {
namespace {

using crmsync::testing::ZohoSimProcess;
using ::testing::HasSubstr;
using Json = nlohmann::json;

// Collects the requests zoho-sim posts to it, answering each with `status`.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(int status = 200) {
    server_.Post("/hook", [this, status](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      bodies_.push_back(req.body);
      params_.push_back(req.params);
      changed_.notify_all();
      res.status = status;
      res.set_content("ok", "text/plain");
    });
    server_.set_keep_alive_timeout(1);  // so that stopping does not wait on zoho-sim's connection
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~WebhookReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/hook"); }
  // Waits until `n` requests arrived (or 5 s passed) and returns them all.
  std::vector<std::string> WaitFor(size_t n, absl::Duration timeout = absl::Seconds(5)) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                      [&] { return bodies_.size() >= n; });
    return bodies_;
  }
  std::vector<httplib::Params> params() {
    std::lock_guard lock(mutex_);
    return params_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> bodies_;
  std::vector<httplib::Params> params_;
};

class ZohoSimTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(const std::vector<std::string>& flags) {
    auto sim = ZohoSimProcess::Start(flags);
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    auto refresh = sim_->SeedGrant("c", "s", "ann@example.com");
    ASSERT_TRUE(refresh.ok()) << refresh.status();
    refresh_token_ = *refresh;
    auto token = sim_->MintAccessToken("c", "s", refresh_token_);
    ASSERT_TRUE(token.ok()) << token.status();
    token_ = *token;
  }

  http::Response Call(http::Method method, const std::string& path, std::string body = "",
                      std::string content_type = "application/json",
                      std::optional<std::string> token = std::nullopt) {
    http::Request request{.method = method, .url = sim_->base_url() + path, .body = body};
    request.headers.emplace_back("Authorization", "Zoho-oauthtoken " + token.value_or(token_));
    if (!body.empty()) request.headers.emplace_back("Content-Type", content_type);
    auto response = http_.Send(request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : http::Response{};
  }

  http::Response Mint() {
    return *http_.Send({.method = http::Method::kPost,
                        .url = sim_->base_url() + "/oauth/v2/token",
                        .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                        .body = http::FormEncode({{"grant_type", "refresh_token"},
                                                  {"client_id", "c"},
                                                  {"client_secret", "s"},
                                                  {"refresh_token", refresh_token_}})});
  }

  // A portal with one project; returns {portal id, project id}.
  std::pair<std::string, std::string> SeedProject(bool strict = false) {
    auto portal = sim_->Control(http::Method::kPost, "/_sim/projects/portals", {{"name", "acme"}});
    EXPECT_TRUE(portal.ok()) << portal.status();
    const std::string portal_id = (*portal)["id_string"];
    auto project =
        sim_->Control(http::Method::kPost, "/_sim/projects/portals/" + portal_id + "/projects",
                      {{"name", "Data migration"},
                       {"start_date", "11-02-2026"},
                       {"end_date", "12-18-2026"},
                       {"strict", strict}});
    EXPECT_TRUE(project.ok()) << project.status();
    return {portal_id, (*project)["id_string"]};
  }

  // Points the portal's task webhook at `url` with secret "s3cret"; whether the sim accepted it.
  bool PointWebhookAt(const std::string& portal, const std::string& url) {
    return sim_
        ->Control(http::Method::kPost, "/_sim/projects/portals/" + portal + "/webhook",
                  {{"url", url}, {"secret", "s3cret"}})
        .ok();
  }

  std::unique_ptr<ZohoSimProcess> sim_;
  http::CurlHttpClient http_;
  std::string refresh_token_;
  std::string token_;
};

TEST_F(ZohoSimTest, EleventhMintInTenMinutesGetsHttp200AccessDenied) {
  // SetUp minted one already.
  for (int i = 2; i <= 10; ++i) ASSERT_EQ(Json::parse(Mint().body).count("access_token"), 1u) << i;
  const http::Response eleventh = Mint();
  EXPECT_EQ(eleventh.status, 200);
  EXPECT_EQ(
      Json::parse(eleventh.body),
      Json::parse(
          R"({"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"})"));
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 600}}).ok());
  EXPECT_EQ(Json::parse(Mint().body).count("access_token"), 1u);
}

TEST_F(ZohoSimTest, TokenRepliesNameTheDataCentresApiHostAsConfigured) {
  EXPECT_EQ(Json::parse(Mint().body)["api_domain"], sim_->base_url());
  // The same sim under another name stands for another API host.
  const std::string other_host = absl::StrCat("http://localhost:", sim_->port());
  ASSERT_TRUE(
      sim_->Control(http::Method::kPost, "/_sim/oauth/api_domain", {{"api_domain", other_host}})
          .ok());
  const Json reply = Json::parse(Mint().body);
  EXPECT_EQ(reply["api_domain"], other_host);
  auto users =
      http_.Send({.url = other_host + "/crm/v2/users",
                  .headers = {{"Authorization",
                               "Zoho-oauthtoken " + reply["access_token"].get<std::string>()}}});
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(users->status, 200);
  EXPECT_FALSE(
      sim_->Control(http::Method::kPost, "/_sim/oauth/api_domain", {{"api_domain", "ftp://x"}})
          .ok());

  Start({"--api_domain=https://www.zohoapis.eu"});
  EXPECT_EQ(Json::parse(Mint().body)["api_domain"], "https://www.zohoapis.eu");
}

TEST_F(ZohoSimTest, DelayedTokenReplyComesWhenTheFaultsEnd) {
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults",
                            {{"latency_ms", 600000}, {"path_prefix", "/oauth/v2/token"}})
                  .ok());
  std::future<http::Response> delayed = std::async(std::launch::async, [this] { return Mint(); });
  // Other endpoints are not delayed.
  EXPECT_EQ(Call(http::Method::kGet, "/crm/v2/users").status, 200);
  EXPECT_EQ(delayed.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/faults").ok());
  ASSERT_EQ(delayed.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(Json::parse(delayed.get().body).count("access_token"), 1u);
}

TEST_F(ZohoSimTest, BeyondTheLiveTokenCapTheOldestTokenStopsWorking) {
  const std::string first = token_;
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 601}}).ok());
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Json::parse(Mint().body).count("access_token"), 1u);
  EXPECT_EQ(Call(http::Method::kGet, "/crm/v2/users", "", "", first).status, 401);
}

TEST_F(ZohoSimTest, TokenTtlFlagShortensTokens) {
  Start({"--token_ttl_seconds=60"});
  EXPECT_EQ(Json::parse(Mint().body)["expires_in"], 60);
}

TEST_F(ZohoSimTest, ProjectsAllows150CallsPerMinutePerToken) {
  for (int i = 1; i <= 150; ++i) {
    ASSERT_EQ(Call(http::Method::kGet, "/restapi/portals/").status, 200) << "call " << i;
  }
  const http::Response refused = Call(http::Method::kGet, "/restapi/portals/");
  EXPECT_EQ(refused.status, 429);
  EXPECT_THAT(refused.body, HasSubstr("TOO_MANY_REQUESTS"));
  ASSERT_TRUE(refused.Header("retry-after").has_value());
  // Another token has its own budget; the first one recovers after a minute.
  auto other = sim_->MintAccessToken("c", "s", refresh_token_);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Call(http::Method::kGet, "/restapi/portals/", "", "", *other).status, 200);
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 61}}).ok());
  EXPECT_EQ(Call(http::Method::kGet, "/restapi/portals/").status, 200);
}

TEST_F(ZohoSimTest, CrmRefusesConcurrentCallsPastThePerUserLimit) {
  Start({"--crm_concurrent_calls=2"});
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults",
                            {{"latency_ms", 500}, {"path_prefix", "/crm"}})
                  .ok());
  std::vector<std::future<int>> calls;
  for (int i = 0; i < 4; ++i) {
    calls.push_back(std::async(std::launch::async, [this] {
      http::CurlHttpClient client;
      auto r = client.Send({.url = sim_->base_url() + "/crm/v2/users",
                            .headers = {{"Authorization", "Zoho-oauthtoken " + token_}}});
      return r.ok() ? r->status : 0;
    }));
  }
  int ok = 0, refused = 0;
  for (auto& call : calls) {
    const int status = call.get();
    ok += status == 200;
    refused += status == 429;
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(refused, 2);
}

TEST_F(ZohoSimTest, CallsWithoutAValidTokenGet401InvalidOauthToken) {
  for (const char* path : {"/crm/v2/Tasks", "/restapi/portals/"}) {
    http::Response no_header = *http_.Send({.url = sim_->base_url() + path});
    EXPECT_EQ(no_header.status, 401) << path;
    EXPECT_THAT(no_header.body, HasSubstr("INVALID_OAUTHTOKEN")) << path;
    EXPECT_EQ(Call(http::Method::kGet, path, "", "", "1000.forged").status, 401) << path;
  }
  http::Response bearer = *http_.Send({.url = sim_->base_url() + "/crm/v2/Tasks",
                                       .headers = {{"Authorization", "Bearer " + token_}}});
  EXPECT_EQ(bearer.status, 401);
}

TEST_F(ZohoSimTest, ScopesLimitWhichApiATokenReaches) {
  auto refresh = sim_->Control(http::Method::kPost, "/_sim/oauth/grants",
                               {{"client_id", "c"},
                                {"user_email", "ann@example.com"},
                                {"scopes", {"ZohoProjects.tasks.ALL"}}});
  ASSERT_TRUE(refresh.ok());
  auto token = sim_->MintAccessToken("c", "s", (*refresh)["refresh_token"]);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(Call(http::Method::kGet, "/restapi/portals/", "", "", *token).status, 200);
  EXPECT_EQ(Call(http::Method::kGet, "/crm/v2/users", "", "", *token).status, 401);
}

TEST_F(ZohoSimTest, RequestLogAndCountsNameEndpointsWithoutQueries) {
  Call(http::Method::kGet, "/crm/v2/Tasks/123");
  Call(http::Method::kGet, "/crm/v2/Tasks/456");
  Call(http::Method::kGet, "/crm/v2/Tasks?page=1");
  auto counts = sim_->Control(http::Method::kGet, "/_sim/counts");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)["counts"]["GET /crm/v2/{module}/{id}"], 2);
  EXPECT_EQ((*counts)["counts"]["GET /crm/v2/{module}"], 1);
  auto log = sim_->Control(http::Method::kGet, "/_sim/requests");
  ASSERT_TRUE(log.ok());
  const Json& last = (*log)["requests"].back();
  EXPECT_EQ(last["path"], "/crm/v2/Tasks");
  EXPECT_EQ(last["status"], 204);
  ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/requests").ok());
  EXPECT_TRUE((*sim_->Control(http::Method::kGet, "/_sim/counts"))["counts"].empty());
}

TEST_F(ZohoSimTest, InjectedFaultsLastForTheirDuration) {
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults",
                            {{"error_429_share", 1.0}, {"duration_seconds", 30}})
                  .ok());
  EXPECT_EQ(Call(http::Method::kGet, "/crm/v2/users").status, 429);
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 31}}).ok());
  EXPECT_EQ(Call(http::Method::kGet, "/crm/v2/users").status, 200);

  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults", {{"error_5xx_share", 1.0}}).ok());
  EXPECT_EQ(Call(http::Method::kGet, "/crm/v2/users").status, 503);
  ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/faults").ok());
  EXPECT_EQ(Call(http::Method::kGet, "/crm/v2/users").status, 200);

  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults", {{"drop_share", 1.0}}).ok());
  auto dropped = http_.Send({.url = sim_->base_url() + "/crm/v2/users",
                             .headers = {{"Authorization", "Zoho-oauthtoken " + token_}}});
  EXPECT_TRUE(absl::IsUnavailable(dropped.status())) << dropped.status();

  EXPECT_FALSE(sim_->Control(http::Method::kPost, "/_sim/faults", {{"error_429_share", 2}}).ok());
}

TEST_F(ZohoSimTest, CrmWatchChannelNotifiesEachChangeWithTheChannelToken) {
  WebhookReceiver receiver;
  const Json watch = {{"watch",
                       {{{"channel_id", 1000000068001},
                         {"events", {"Tasks.all"}},
                         {"notify_url", receiver.url()},
                         {"token", "shared-channel-token"},
                         {"return_affected_field_values", true}}}}};
  ASSERT_EQ(Call(http::Method::kPost, "/crm/v2/actions/watch", watch.dump()).status, 200);
  auto task = sim_->Control(http::Method::kPost, "/_sim/crm/Tasks", {{"Subject", "Call Ann"}});
  ASSERT_TRUE(task.ok()) << task.status();
  const std::string id = (*task)["id"];
  ASSERT_TRUE(
      sim_->Control(http::Method::kPost, "/_sim/crm/Tasks/" + id + "/edit",
                    {{"user_email", "ann@example.com"}, {"fields", {{"Subject", "Call Ann back"}}}})
          .ok());
  auto bodies = receiver.WaitFor(1);
  ASSERT_EQ(bodies.size(), 1u);
  const Json callback = Json::parse(bodies[0]);
  EXPECT_EQ(callback["operation"], "update");
  EXPECT_EQ(callback["module"], "Tasks");
  EXPECT_EQ(callback["ids"], Json::array({id}));
  EXPECT_EQ(callback["channel_id"], 1000000068001);
  EXPECT_EQ(callback["token"], "shared-channel-token");
  EXPECT_EQ(callback["affected_fields"],
            Json::parse(absl::StrCat(R"([{")", id, R"(":["Subject"]}])")));
  EXPECT_EQ((*sim_->Control(http::Method::kGet, "/_sim/crm/Tasks/" + id))["Subject"],
            "Call Ann back");

  // Past its expiry (one hour when none is given) the channel is silent.
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 3601}}).ok());
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/crm/Tasks/" + id + "/edit",
                            {{"fields", {{"Subject", "x"}}}})
                  .ok());
  EXPECT_EQ(receiver.WaitFor(2, absl::Milliseconds(500)).size(), 1u);
}

TEST_F(ZohoSimTest, DuplicatedAndDelayedWebhooksAreDeliveredAsConfigured) {
  WebhookReceiver receiver;
  const auto [portal, project] = SeedProject();
  ASSERT_TRUE(
      sim_->Control(
              http::Method::kPost, "/_sim/projects/portals/" + portal + "/webhook",
              {{"url", receiver.url()}, {"secret_param", "crmsync_secret"}, {"secret", "s3cret"}})
          .ok());
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults",
                            {{"webhook_duplicate_share", 1.0}, {"webhook_delay_ms", 300}})
                  .ok());
  const absl::Time start = absl::Now();
  auto task = sim_->Control(http::Method::kPost,
                            "/_sim/projects/portals/" + portal + "/projects/" + project + "/tasks",
                            {{"fields", {{"name", "Export data"}}}});
  ASSERT_TRUE(task.ok()) << task.status();
  auto bodies = receiver.WaitFor(2);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], bodies[1]);
  const auto params = receiver.params();
  const std::string task_id = (*task)["tasks"][0]["id_string"];
  EXPECT_EQ(params[0].find("crmsync_secret")->second, "s3cret");
  EXPECT_EQ(params[0].find("event")->second, "task_create");
  EXPECT_EQ(params[0].find("task_id")->second, task_id);
  EXPECT_EQ(params[0].find("project_id")->second, project);
}

TEST_F(ZohoSimTest, DroppedWebhooksAreLoggedAndNeverSent) {
  WebhookReceiver receiver;
  const auto [portal, project] = SeedProject();
  ASSERT_TRUE(PointWebhookAt(portal, receiver.url()));
  ASSERT_TRUE(
      sim_->Control(http::Method::kPost, "/_sim/faults", {{"webhook_drop_share", 1.0}}).ok());
  ASSERT_TRUE(sim_->Control(http::Method::kPost,
                            "/_sim/projects/portals/" + portal + "/projects/" + project + "/tasks",
                            {{"fields", {{"name", "Export data"}}}})
                  .ok());
  // Dropped as it is queued: logged at once, nothing pending.
  auto log = sim_->Control(http::Method::kGet, "/_sim/webhooks");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)["pending"], 0);
  ASSERT_EQ((*log)["deliveries"].size(), 1u);
  EXPECT_EQ((*log)["deliveries"][0]["error"], "dropped (injected fault)");
  EXPECT_FALSE((*log)["deliveries"][0].contains("status"));
  auto faults = sim_->Control(http::Method::kGet, "/_sim/faults");
  ASSERT_TRUE(faults.ok()) << faults.status();
  EXPECT_EQ((*faults)["injected"]["webhook_drop"], 1);
  EXPECT_TRUE(receiver.params().empty());
}

TEST_F(ZohoSimTest, JitteredWebhooksArriveOutOfOrder) {
  WebhookReceiver receiver;
  const auto [portal, project] = SeedProject();
  ASSERT_TRUE(PointWebhookAt(portal, receiver.url()));
  ASSERT_TRUE(
      sim_->Control(http::Method::kPost, "/_sim/faults", {{"webhook_jitter_ms", 1000}}).ok());
  std::vector<std::string> created;
  for (int i = 0; i < 20; ++i) {
    auto task = sim_->Control(
        http::Method::kPost, "/_sim/projects/portals/" + portal + "/projects/" + project + "/tasks",
        {{"fields", {{"name", absl::StrCat("Task ", i)}}}});
    ASSERT_TRUE(task.ok()) << task.status();
    created.push_back((*task)["tasks"][0]["id_string"]);
  }
  ASSERT_EQ(receiver.WaitFor(20).size(), 20u);
  std::vector<std::string> arrived;
  for (const httplib::Params& params : receiver.params()) {
    arrived.push_back(params.find("task_id")->second);
  }
  // Every webhook once; 20 in creation order would be a 1 in 20! chance.
  EXPECT_THAT(arrived, ::testing::UnorderedElementsAreArray(created));
  EXPECT_NE(arrived, created);
  auto faults = sim_->Control(http::Method::kGet, "/_sim/faults");
  ASSERT_TRUE(faults.ok()) << faults.status();
  EXPECT_EQ((*faults)["injected"]["webhook_delay"], 20);
}

TEST_F(ZohoSimTest, LatencyShareSlowsThatShareOfCalls) {
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults",
                            {{"latency_ms", 60000}, {"latency_share", 0.0}})
                  .ok());
  EXPECT_EQ(Call(http::Method::kGet, "/crm/v2/users").status, 200);
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults",
                            {{"latency_ms", 300}, {"latency_share", 1.0}, {"error_429_share", 0}})
                  .ok());
  const absl::Time start = absl::Now();
  EXPECT_EQ(Call(http::Method::kGet, "/crm/v2/users").status, 200);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  auto faults = sim_->Control(http::Method::kGet, "/_sim/faults");
  ASSERT_TRUE(faults.ok()) << faults.status();
  EXPECT_EQ((*faults)["injected"]["latency"], 1);
  EXPECT_FALSE(
      sim_->Control(http::Method::kPost, "/_sim/faults", {{"webhook_drop_share", 1.5}}).ok());
  EXPECT_FALSE(
      sim_->Control(http::Method::kPost, "/_sim/faults", {{"webhook_jitter_ms", -1}}).ok());
}

TEST_F(ZohoSimTest, FailedWebhookDeliveriesAreNotSentAgain) {
  // Neither CRM's Enable Notifications page nor Projects' webhook pages document a retry: one
  // attempt per change, logged with the receiver's answer, and nothing left queued.
  WebhookReceiver receiver(/*status=*/500);
  const auto [portal, project] = SeedProject();
  ASSERT_TRUE(PointWebhookAt(portal, receiver.url()));
  const Json watch = {{"watch",
                       {{{"channel_id", 1000000068001},
                         {"events", {"Tasks.all"}},
                         {"notify_url", receiver.url()},
                         {"token", "shared-channel-token"}}}}};
  ASSERT_EQ(Call(http::Method::kPost, "/crm/v2/actions/watch", watch.dump()).status, 200);
  ASSERT_EQ(Call(http::Method::kPost, "/crm/v2/Tasks",
                 Json({{"data", {{{"Subject", "Call Ann"}}}}}).dump())
                .status,
            201);
  ASSERT_TRUE(sim_->Control(http::Method::kPost,
                            "/_sim/projects/portals/" + portal + "/projects/" + project + "/tasks",
                            {{"fields", {{"name", "Export data"}}}})
                  .ok());
  Json log;
  for (int i = 0; i < 500; ++i) {
    auto webhooks = sim_->Control(http::Method::kGet, "/_sim/webhooks");
    ASSERT_TRUE(webhooks.ok()) << webhooks.status();
    log = *webhooks;
    if (log["deliveries"].size() >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(log["deliveries"].size(), 2u) << log.dump();
  EXPECT_EQ(log["deliveries"][0]["status"], 500);
  EXPECT_EQ(log["deliveries"][1]["status"], 500);
  EXPECT_EQ(log["pending"], 0) << log.dump();
  EXPECT_EQ(receiver.WaitFor(2).size(), 2u);
}

TEST_F(ZohoSimTest, TaskCommentsAreAnsweredAsZohoDocumentsThem) {
  const auto [portal, project] = SeedProject();
  auto task = sim_->Control(http::Method::kPost,
                            "/_sim/projects/portals/" + portal + "/projects/" + project + "/tasks",
                            {{"fields", {{"name", "Export data"}}}});
  ASSERT_TRUE(task.ok()) << task.status();
  const std::string comments = "/restapi/portal/" + portal + "/projects/" + project + "/tasks/" +
                               std::string((*task)["tasks"][0]["id_string"]) + "/comments/";
  ASSERT_EQ(Call(http::Method::kPost, comments, http::FormEncode({{"content", "Looks good"}}),
                 "application/x-www-form-urlencoded")
                .status,
            201);
  const http::Response listed = Call(http::Method::kGet, comments);
  ASSERT_EQ(listed.status, 200);
  const Json comment = Json::parse(listed.body)["comments"][0];
  EXPECT_EQ(comment["content"], "Looks good");
  EXPECT_TRUE(comment["id"].is_number_integer()) << comment.dump();
  EXPECT_FALSE(comment.contains("comment")) << comment.dump();
}

TEST_F(ZohoSimTest, ControlApiRejectsBadInput) {
  EXPECT_FALSE(sim_->Control(http::Method::kPost, "/_sim/projects/portals", Json::object()).ok());
  EXPECT_FALSE(
      sim_->Control(http::Method::kPost, "/_sim/projects/portals/1/projects", {{"name", "x"}})
          .ok());
  EXPECT_FALSE(
      sim_->Control(http::Method::kPost, "/_sim/oauth/grants", {{"client_id", "nope"}}).ok());
  EXPECT_FALSE(sim_->Control(http::Method::kPost, "/_sim/oauth/grant_codes",
                             {{"client_id", "nope"}, {"user_email", "a@b.test"}})
                   .ok());
  EXPECT_FALSE(sim_->Control(http::Method::kGet, "/_sim/crm/Tasks/1").ok());
}

TEST_F(ZohoSimTest, StopsOnSigterm) {
  auto code = sim_->process().Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

TEST(ZohoSimFlags, BadFlagExitsWithUsageError) {
  auto process = crmsync::testing::Subprocess::Start(absl::StrCat(CRMSYNC_BIN_DIR, "/zoho-sim"),
                                                     {"--port=-1"});
  ASSERT_TRUE(process.ok());
  auto code = (*process)->Wait(absl::Seconds(5));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 2);
}

}  // namespace
}  // namespace crmsync

// The crmsync-auth binary against real PostgreSQL, with zoho-sim as the accounts server: the
// shared token across two processes, refresh ahead, Zoho's throttle, invalid_code and 5xx, the
// relay to notify, key rotation across restarts, and logs free of secrets.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "libs/crypto/aead.h"
#include "libs/http/http_client.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::auth {
namespace {

using ::testing::HasSubstr;
namespace v1 = ::crmsync::auth::v1;

constexpr char kClientId[] = "1000.SIMCLIENT";
constexpr char kClientSecret[] = "sim-client-secret-7f3a9c";
constexpr char kOwner[] = "owner@example.com";
constexpr char kTasks[] = "ZohoCRM.modules.tasks.ALL";

struct Auth {
  std::unique_ptr<::crmsync::testing::Subprocess> process;
  int grpc_port = 0;
  int metrics_port = 0;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::AuthService::Stub> stub;

  grpc::Status Token(const std::string& portal, v1::GetAccessTokenResponse* response,
                     const std::string& rejected = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::GetAccessTokenRequest request;
    request.set_portal_id(portal);
    request.set_side(common::v1::SIDE_CRM);
    request.add_scopes(kTasks);
    request.set_rejected_access_token(rejected);
    return stub->GetAccessToken(&context, request, response);
  }
  grpc::Status Get(const std::string& portal, v1::GetGrantResponse* response) {
    grpc::ClientContext context;
    v1::GetGrantRequest request;
    request.set_portal_id(portal);
    request.set_side(common::v1::SIDE_CRM);
    return stub->GetGrant(&context, request, response);
  }
  // The value of the metric line starting with `series`, or -1.
  double Metric(const std::string& series) {
    http::CurlHttpClient http;
    auto response = http.Send(
        {http::Method::kGet, absl::StrCat("http://127.0.0.1:", metrics_port, "/metrics")});
    if (!response.ok()) return -1;
    for (absl::string_view line : absl::StrSplit(response->body, '\n')) {
      if (absl::StartsWith(line, series + " ")) {
        double value = -1;
        if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
      }
    }
    return -1;
  }
};

// A TCP port on 127.0.0.1 that nothing listens on (just now).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

class AuthIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = ::crmsync::testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    keys_path_ = ::testing::TempDir() + "/auth_keys_" + database_->name();
    WriteKeys(crypto::KeySet::Generate("k1"));
  }
  void TearDown() override { std::remove(keys_path_.c_str()); }

  void WriteKeys(const crypto::KeySet& keys) {
    keys_ = keys;
    std::ofstream(keys_path_) << keys.Serialize();
  }

  void StartSim(const std::vector<std::string>& flags = {}) {
    auto sim = ::crmsync::testing::ZohoSimProcess::Start(flags);
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
  }

  // A refresh token for a new grant at the simulator.
  std::string SeedGrant() {
    auto refresh_token = sim_->SeedGrant(kClientId, kClientSecret, kOwner);
    EXPECT_TRUE(refresh_token.ok()) << refresh_token.status();
    secrets_.push_back(refresh_token.value_or(""));
    return refresh_token.value_or("");
  }

  std::unique_ptr<Auth> StartAuth(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--database_url=" + database_->url(),
                                     "--grpc_port=0",
                                     "--metrics_port=0",
                                     "--listen_host=127.0.0.1",
                                     "--health_check_interval=200ms",
                                     "--encryption_keys_file=" + keys_path_,
                                     "--allow_loopback_http",
                                     "--refresh_interval=1h"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto auth = std::make_unique<Auth>();
    auto process =
        ::crmsync::testing::Subprocess::Start(std::string(CRMSYNC_BIN_DIR) + "/crmsync-auth", args);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return nullptr;
    auth->process = *std::move(process);
    auto line = auth->process->WaitForLine(
        [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; },
        absl::Seconds(20));
    EXPECT_TRUE(line.ok()) << line.status();
    if (!line.ok()) return nullptr;
    auth->grpc_port = (*line)["grpc_port"].get<int>();
    auth->metrics_port = (*line)["metrics_port"].get<int>();
    auth->channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", auth->grpc_port),
                                        grpc::InsecureChannelCredentials());
    auth->stub = v1::AuthService::NewStub(auth->channel);
    auto health = grpc::health::v1::Health::NewStub(auth->channel);
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      grpc::ClientContext context;
      grpc::health::v1::HealthCheckRequest request;
      grpc::health::v1::HealthCheckResponse response;
      if (health->Check(&context, request, &response).ok() &&
          response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    return auth;
  }

  grpc::Status Register(Auth& auth, const std::string& portal, const std::string& refresh_token,
                        bool replace = false, const std::string& owner = kOwner) {
    v1::RegisterGrantRequest request;
    request.set_portal_id(portal);
    request.set_side(common::v1::SIDE_CRM);
    request.set_accounts_server_url(sim_->base_url());
    request.set_api_domain(sim_->base_url());
    request.set_client_id(kClientId);
    request.set_client_secret(kClientSecret);
    request.set_refresh_token(refresh_token);
    request.add_scopes(kTasks);
    request.set_owner_email(owner);
    request.set_replace_existing(replace);
    grpc::ClientContext context;
    v1::RegisterGrantResponse response;
    return auth.stub->RegisterGrant(&context, request, &response);
  }

  int Mints() {
    auto counts = sim_->Control(http::Method::kGet, "/_sim/counts");
    EXPECT_TRUE(counts.ok()) << counts.status();
    if (!counts.ok()) return -1;
    return (*counts)["counts"].value("POST /oauth/v2/token", 0);
  }
  void ClearCounts() { ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/requests").ok()); }

  // No stderr line of `auth` carries a secret it handled.
  void ExpectNoSecretsLogged(Auth& auth, const std::set<std::string>& tokens) {
    std::vector<std::string> secrets = secrets_;
    secrets.push_back(kClientSecret);
    secrets.insert(secrets.end(), tokens.begin(), tokens.end());
    for (const std::string& line : auth.process->StderrLines()) {
      for (const std::string& secret : secrets) {
        if (secret.empty()) continue;
        EXPECT_FALSE(absl::StrContains(line, secret)) << line;
      }
    }
  }

  std::unique_ptr<::crmsync::testing::TestDatabase> database_;
  std::unique_ptr<::crmsync::testing::ZohoSimProcess> sim_;
  std::string keys_path_;
  crypto::KeySet keys_;
  std::vector<std::string> secrets_;
};

TEST_F(AuthIntegrationTest, TwoHundredCallersOnTwoProcessesCauseOneMintOfAColdGrant) {
  StartSim();
  // Tokens live 3600 s; a margin of 3597 s makes the registration's token cold after 3 s.
  auto first = StartAuth({"--refresh_margin=3597s"});
  auto second = StartAuth({"--refresh_margin=3597s"});
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(Register(*first, "p1", SeedGrant()).ok());
  absl::SleepFor(absl::Seconds(4));
  ClearCounts();

  std::vector<std::thread> callers;
  std::mutex mutex;
  std::set<std::string> tokens;
  std::atomic<int> failures{0};
  for (int i = 0; i < 200; ++i) {
    callers.emplace_back([&, i] {
      v1::GetAccessTokenResponse response;
      grpc::Status status = (i % 2 ? *first : *second).Token("p1", &response);
      if (!status.ok()) ++failures;
      std::lock_guard lock(mutex);
      tokens.insert(response.access_token());
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Mints(), 1);
  EXPECT_EQ(tokens.size(), 1u);
  EXPECT_FALSE(tokens.begin()->empty());
  ExpectNoSecretsLogged(*first, tokens);
  ExpectNoSecretsLogged(*second, tokens);
}

TEST_F(AuthIntegrationTest, RefresherRenewsAheadOfExpirySoNoCallerWaitsOnAMint) {
  StartSim({"--token_ttl_seconds=12"});
  // Renewed with less than margin + 2 intervals = 6 s left.
  auto auth = StartAuth({"--refresh_margin=4s", "--refresh_interval=1s"});
  ASSERT_TRUE(auth);
  ASSERT_TRUE(Register(*auth, "p1", SeedGrant()).ok());
  v1::GetAccessTokenResponse before;
  grpc::Status first = auth->Token("p1", &before);
  ASSERT_TRUE(first.ok()) << first.error_message()
                          << absl::StrJoin(auth->process->StderrLines(), "\n");
  absl::SleepFor(absl::Seconds(9));  // the first token has 3 s left
  v1::GetAccessTokenResponse after;
  ASSERT_TRUE(auth->Token("p1", &after).ok());
  EXPECT_NE(after.access_token(), before.access_token());
  EXPECT_GT(absl::FromUnixSeconds(after.expire_time().seconds()) - absl::Now(), absl::Seconds(4));
  EXPECT_GE(auth->Metric("crmsync_auth_refreshes_total{result=\"minted\"}"), 1);
  EXPECT_EQ(auth->Metric("crmsync_auth_token_cache_hits_total{tier=\"mint\"}"), 0);
  ExpectNoSecretsLogged(*auth, {before.access_token(), after.access_token()});
}

TEST_F(AuthIntegrationTest, ThrottleIsAnErrorAfterBackoffNotASuccess) {
  StartSim({"--mints_per_window=1"});
  auto auth = StartAuth();
  ASSERT_TRUE(auth);
  ASSERT_TRUE(Register(*auth, "p1", SeedGrant()).ok());
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", &token).ok());
  ClearCounts();
  v1::GetAccessTokenResponse refused;
  grpc::Status status = auth->Token("p1", &refused, token.access_token());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_EQ(Mints(), 3);  // three attempts with backoff
  EXPECT_EQ(auth->Metric("crmsync_auth_refreshes_total{result=\"throttled\"}"), 3);
  v1::GetGrantResponse grant;
  ASSERT_TRUE(auth->Get("p1", &grant).ok());
  EXPECT_EQ(grant.grant().state(), v1::GRANT_STATE_ACTIVE);
  ExpectNoSecretsLogged(*auth, {token.access_token()});
}

TEST_F(AuthIntegrationTest, ServerErrorsAndTimeoutsAreUnavailableAndPassWithTheFault) {
  StartSim();
  auto auth = StartAuth({"--accounts_timeout=500ms"});
  ASSERT_TRUE(auth);
  ASSERT_TRUE(Register(*auth, "p1", SeedGrant()).ok());
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", &token).ok());
  std::set<std::string> tokens = {token.access_token()};
  for (const nlohmann::json& fault :
       {nlohmann::json{{"error_5xx_share", 1.0}, {"path_prefix", "/oauth"}},
        nlohmann::json{{"latency_ms", 2000}, {"path_prefix", "/oauth"}}}) {
    ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults", fault).ok());
    v1::GetAccessTokenResponse refused;
    grpc::Status status = auth->Token("p1", &refused, token.access_token());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << fault.dump();
    v1::GetGrantResponse grant;
    ASSERT_TRUE(auth->Get("p1", &grant).ok());
    EXPECT_EQ(grant.grant().state(), v1::GRANT_STATE_ACTIVE);
    ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/faults").ok());
    v1::GetAccessTokenResponse renewed;
    ASSERT_TRUE(auth->Token("p1", &renewed, token.access_token()).ok()) << fault.dump();
    EXPECT_NE(renewed.access_token(), token.access_token());
    token = renewed;
    tokens.insert(renewed.access_token());
  }
  EXPECT_GE(auth->Metric("crmsync_auth_refreshes_total{result=\"transient\"}"), 6);
  ExpectNoSecretsLogged(*auth, tokens);
}

// Breaks grant `portal` at the simulator and has auth find out (FAILED_PRECONDITION).
void Break(Auth& auth, ::crmsync::testing::ZohoSimProcess& sim, const std::string& portal,
           const std::string& refresh_token) {
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth.Token(portal, &token).ok());
  ASSERT_TRUE(
      sim.Control(http::Method::kPost, "/oauth/v2/token/revoke?token=" + refresh_token).ok());
  v1::GetAccessTokenResponse refused;
  grpc::Status status = auth.Token(portal, &refused, token.access_token());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("invalid_code"));
  v1::GetGrantResponse grant;
  ASSERT_TRUE(auth.Get(portal, &grant).ok());
  EXPECT_EQ(grant.grant().state(), v1::GRANT_STATE_BROKEN);
}

// Waits until `read` returns at least `value`; returns the last value read.
double WaitForAtLeast(const std::function<double()>& read, double value) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  double last = read();
  while (last < value && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
    last = read();
  }
  return last;
}

// The relay against the real crmsync-notify: retried while notify is down, delivered once when
// it is up, and a request notify refuses is given up at once and counted.
TEST_F(AuthIntegrationTest, BrokenGrantsReachTheRealNotifyOnceAndARefusalIsFinal) {
  StartSim();
  const int notify_port = FreePort();
  auto auth = StartAuth({absl::StrCat("--notify_address=127.0.0.1:", notify_port),
                         "--relay_interval=100ms", "--refresh_interval=1s"});
  ASSERT_TRUE(auth);
  const std::string refresh_token = SeedGrant();
  ASSERT_TRUE(Register(*auth, "p1", refresh_token).ok());
  Break(*auth, *sim_, "p1", refresh_token);
  const std::string retries =
      "crmsync_work_queue_completions_total{queue=\"auth_failure_relay\",result=\"retry\"}";
  const std::string dead =
      "crmsync_work_queue_completions_total{queue=\"auth_failure_relay\",result=\"dead\"}";
  const std::string done =
      "crmsync_work_queue_completions_total{queue=\"auth_failure_relay\",result=\"done\"}";
  // notify is not up yet: UNAVAILABLE is retried.
  ASSERT_GE(WaitForAtLeast([&] { return auth->Metric(retries); }, 1), 1);

  const std::string mail_dir = ::testing::TempDir() + "/auth_relay_mail_" + database_->name();
  std::filesystem::create_directories(mail_dir);
  auto notify = ::crmsync::testing::Subprocess::Start(
      std::string(CRMSYNC_BIN_DIR) + "/crmsync-notify",
      {"--database_url=" + database_->url(), absl::StrCat("--grpc_port=", notify_port),
       "--metrics_port=0", "--listen_host=127.0.0.1", "--mail_transport=file",
       "--mail_dir=" + mail_dir, "--send_idle_poll=50ms"});
  ASSERT_TRUE(notify.ok()) << notify.status();
  ASSERT_TRUE(
      (*notify)
          ->WaitForLine([](const nlohmann::json& j) { return j.value("msg", "") == "serving"; },
                        absl::Seconds(20))
          .ok());
  ASSERT_EQ(WaitForAtLeast([&] { return auth->Metric(done); }, 1), 1);
  auto notify_stub = notify::v1::NotifyService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", notify_port), grpc::InsecureChannelCredentials()));
  auto list = [&](const std::string& portal) {
    notify::v1::ListNotificationsRequest request;
    request.set_portal_id(portal);
    notify::v1::ListNotificationsResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(notify_stub->ListNotifications(&context, request, &response).ok());
    return response;
  };
  auto sent = list("p1");
  ASSERT_EQ(sent.notifications_size(), 1);
  EXPECT_EQ(sent.notifications(0).kind(), notify::v1::NOTIFICATION_KIND_OAUTH_GRANT_BROKEN);
  EXPECT_EQ(sent.notifications(0).recipient().email(), kOwner);
  EXPECT_THAT(sent.notifications(0).parameters().reason(), HasSubstr("invalid_code"));
  const auto emails = [&] {
    double n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(mail_dir)) {
      if (entry.path().extension() == ".eml") ++n;
    }
    return n;
  };
  EXPECT_EQ(WaitForAtLeast(emails, 1), 1);

  // An owner address auth accepted and notify cannot mail: notify answers INVALID_ARGUMENT.
  const double retried = auth->Metric(retries);
  const std::string second_token = SeedGrant();
  ASSERT_TRUE(Register(*auth, "p2", second_token, false, "owner..dots@example.com").ok());
  Break(*auth, *sim_, "p2", second_token);
  EXPECT_EQ(WaitForAtLeast([&] { return auth->Metric(dead); }, 1), 1);
  EXPECT_EQ(auth->Metric(retries), retried);
  EXPECT_EQ(list("p2").notifications_size(), 0);
  EXPECT_EQ(auth->Metric(done), 1);
  ASSERT_TRUE((*notify)->Terminate().ok());
  std::filesystem::remove_all(mail_dir);
  ExpectNoSecretsLogged(*auth, {});
}

TEST_F(AuthIntegrationTest, KeyRotationAcrossRestartsKeepsEveryGrantUsable) {
  StartSim();
  {
    auto auth = StartAuth();
    ASSERT_TRUE(auth);
    ASSERT_TRUE(Register(*auth, "p1", SeedGrant()).ok());
    ASSERT_TRUE(Register(*auth, "p2", SeedGrant()).ok());
  }
  crypto::KeySet both = keys_;
  ASSERT_TRUE(both.Append(crypto::KeySet::Generate("k2")).ok());
  WriteKeys(both);
  {
    auto auth = StartAuth();
    ASSERT_TRUE(auth);
    grpc::ClientContext context;
    v1::RotateKeysResponse counts;
    ASSERT_TRUE(auth->stub->RotateKeys(&context, v1::RotateKeysRequest(), &counts).ok());
    EXPECT_EQ(counts.key_id(), "k2");
    // The refresher may already have renewed the access tokens under k2.
    EXPECT_EQ(counts.grants_rewritten(), 2);
    EXPECT_GE(counts.secrets_rewritten(), 4);
    EXPECT_EQ(counts.secrets_rewritten() + counts.secrets_already_current(), 6);
    EXPECT_EQ(counts.secrets_failed(), 0);
  }
  std::vector<std::string> lines = absl::StrSplit(both.Serialize(), '\n', absl::SkipEmpty());
  WriteKeys(*crypto::KeySet::Parse(lines.back()));
  auto auth = StartAuth();
  ASSERT_TRUE(auth);
  std::set<std::string> tokens;
  for (const char* portal : {"p1", "p2"}) {
    v1::GetAccessTokenResponse token;
    ASSERT_TRUE(auth->Token(portal, &token).ok()) << portal;
    v1::GetAccessTokenResponse renewed;
    ASSERT_TRUE(auth->Token(portal, &renewed, token.access_token()).ok()) << portal;
    EXPECT_NE(renewed.access_token(), token.access_token());
    tokens.insert(token.access_token());
    tokens.insert(renewed.access_token());
    v1::GetGrantResponse grant;
    ASSERT_TRUE(auth->Get(portal, &grant).ok());
    EXPECT_EQ(grant.grant().key_id(), "k2");
  }
  ExpectNoSecretsLogged(*auth, tokens);
}

}  // namespace
}  // namespace crmsync::auth

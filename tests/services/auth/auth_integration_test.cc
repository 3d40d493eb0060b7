// The crmsync-auth binary against real PostgreSQL, with zoho-sim as the accounts server: the
// shared token across processes and within one, the API host the accounts server names, refresh
// ahead, Zoho's throttle, invalid_code and 5xx, a slow accounts server, a process killed or
// stopped during a mint, the relay to the real notify, key rotation across restarts, and logs free
// of secrets.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <pqxx/pqxx>
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
#include "tests/support/callers/callers.h"
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
  std::shared_ptr<grpc::Channel> channel;               // ADMIN
  std::unique_ptr<v1::AuthService::Stub> stub;          // ADMIN
  std::unique_ptr<v1::AuthService::Stub> service_stub;  // SERVICE

  // GetAccessToken with a deadline `timeout` from now (none when zero).
  grpc::Status Token(const std::string& portal, v1::GetAccessTokenResponse* response,
                     const std::string& rejected = "", absl::Duration timeout = absl::Seconds(30)) {
    grpc::ClientContext context;
    if (timeout > absl::ZeroDuration()) {
      context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    }
    v1::GetAccessTokenRequest request;
    request.set_portal_id(portal);
    request.set_side(common::v1::SIDE_CRM);
    request.add_scopes(kTasks);
    request.set_rejected_access_token(rejected);
    return service_stub->GetAccessToken(&context, request, response);
  }
  grpc::Status Get(const std::string& portal, v1::GetGrantResponse* response) {
    grpc::ClientContext context;
    v1::GetGrantRequest request;
    request.set_portal_id(portal);
    request.set_side(common::v1::SIDE_CRM);
    return stub->GetGrant(&context, request, response);
  }
  // The health status of `service` ("" for the whole server).
  grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::string& service = "") {
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    if (!health->Check(&context, request, &response).ok()) {
      return grpc::health::v1::HealthCheckResponse::UNKNOWN;
    }
    return response.status();
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
    ::crmsync::testing::SetCallerEnvironment();
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
    const std::string address = absl::StrCat("127.0.0.1:", auth->grpc_port);
    auth->channel = ::crmsync::testing::AdminChannel(address);
    auth->stub = v1::AuthService::NewStub(auth->channel);
    auth->service_stub = v1::AuthService::NewStub(::crmsync::testing::ServiceChannel(address));
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

  // Registers a grant at the simulator. Zoho names the API host in each token reply, whatever
  // `api_domain` says.
  grpc::Status Register(Auth& auth, const std::string& portal, const std::string& refresh_token,
                        bool replace = false,
                        const std::string& api_domain = "https://www.zohoapis.com",
                        const std::string& owner = kOwner) {
    v1::RegisterGrantRequest request;
    request.set_portal_id(portal);
    request.set_side(common::v1::SIDE_CRM);
    request.set_accounts_server_url(sim_->base_url());
    request.set_api_domain(api_domain);
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
  // Every mint at the simulator takes `delay` until the faults are cleared.
  void SlowMints(absl::Duration delay) {
    ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults",
                              {{"latency_ms", absl::ToInt64Milliseconds(delay)},
                               {"path_prefix", "/oauth/v2/token"},
                               {"duration_seconds", 600}})
                    .ok());
  }
  void ClearFaults() { ASSERT_TRUE(sim_->Control(http::Method::kDelete, "/_sim/faults").ok()); }

  // The first column of the first row of `query` on the test database ("" for NULL).
  std::string Sql(const std::string& query) {
    pqxx::connection connection(database_->url());
    pqxx::work tx(connection);
    pqxx::result rows = tx.exec(query);
    return rows.empty() || rows[0][0].is_null() ? "" : rows[0][0].as<std::string>();
  }
  // Grants whose refresh lease a holder may still be minting under.
  int LeasesHeld() {
    return std::stoi(Sql("SELECT count(*) FROM auth.grants WHERE refresh_lease_until IS NOT NULL"));
  }
  // Waits (up to `timeout`) until `condition` holds; returns whether it did.
  static bool WaitUntil(const std::function<bool()>& condition,
                        absl::Duration timeout = absl::Seconds(20)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (!condition()) {
      if (absl::Now() >= deadline) return false;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return true;
  }
  // Runs `call(i, response)` for i in [0, 200) on as many threads at once; returns the distinct
  // tokens they got and counts in `failures` the calls that failed.
  static std::set<std::string> TwoHundredCallers(
      const std::function<grpc::Status(int, v1::GetAccessTokenResponse*)>& call, int& failures) {
    std::vector<std::thread> callers;
    std::mutex mutex;
    std::set<std::string> tokens;
    for (int i = 0; i < 200; ++i) {
      callers.emplace_back([&, i] {
        v1::GetAccessTokenResponse response;
        const bool ok = call(i, &response).ok();
        std::lock_guard lock(mutex);
        if (!ok) ++failures;
        tokens.insert(response.access_token());
      });
    }
    for (auto& caller : callers) caller.join();
    return tokens;
  }
  // The sum of every series of the metric family `name`.
  static double Sum(Auth& auth, const std::string& name, const std::vector<std::string>& labels) {
    double sum = 0;
    for (const std::string& label : labels) sum += auth.Metric(name + "{" + label + "}");
    return sum;
  }

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

  int failures = 0;
  const std::set<std::string> tokens = TwoHundredCallers(
      [&](int i, v1::GetAccessTokenResponse* response) {
        return (i % 2 ? *first : *second).Token("p1", response);
      },
      failures);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Mints(), 1);
  EXPECT_EQ(tokens.size(), 1u);
  EXPECT_FALSE(tokens.begin()->empty());
  ExpectNoSecretsLogged(*first, tokens);
  ExpectNoSecretsLogged(*second, tokens);
}

// Tokens that live a day are never due for the background refresher (which, with
// --refresh_interval=1h, renews those with less than 2 h 5 min left): only callers mint.
const std::vector<std::string> kDayLongTokens = {"--token_ttl_seconds=86400"};

const std::vector<std::string> kLeaseResults = {"result=\"taken\"", "result=\"held\"",
                                                "result=\"fresh\"", "result=\"declined\""};

TEST_F(AuthIntegrationTest, TwoHundredCallersInOneProcessMakeOneLeaseRoundTrip) {
  StartSim(kDayLongTokens);
  auto auth = StartAuth();
  ASSERT_TRUE(auth);
  ASSERT_TRUE(Register(*auth, "p1", SeedGrant()).ok());
  v1::GetAccessTokenResponse first;
  ASSERT_TRUE(auth->Token("p1", &first).ok());
  ClearCounts();
  // A slow mint keeps every caller waiting on the one refresh in flight.
  SlowMints(absl::Milliseconds(500));

  int failures = 0;
  // Every caller saw the first token refused (401), so each needs a new one.
  const std::set<std::string> tokens = TwoHundredCallers(
      [&](int, v1::GetAccessTokenResponse* response) {
        return auth->Token("p1", response, first.access_token());
      },
      failures);
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Mints(), 1);
  EXPECT_EQ(tokens.size(), 1u);
  EXPECT_FALSE(tokens.contains(first.access_token()));
  // One round trip for the refresh lease, however many callers: the single flight in the process.
  EXPECT_EQ(Sum(*auth, "crmsync_auth_refresh_leases_total", kLeaseResults), 1);
  EXPECT_EQ(auth->Metric("crmsync_auth_refresh_leases_total{result=\"taken\"}"), 1);
  ExpectNoSecretsLogged(*auth, tokens);
}

TEST_F(AuthIntegrationTest, AnApiHostThatIsNotZohosGetsNeitherAGrantNorAToken) {
  StartSim(kDayLongTokens);
  auto auth = StartAuth();
  ASSERT_TRUE(auth);
  ASSERT_TRUE(Register(*auth, "p1", SeedGrant()).ok());
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", &token).ok());

  // The accounts server now names a host that only looks like Zoho's.
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/oauth/api_domain",
                            {{"api_domain", "https://www.zohoapis.com.evil.example"}})
                  .ok());
  v1::GetAccessTokenResponse renewed;
  grpc::Status refused = auth->Token("p1", &renewed, token.access_token());
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(refused.error_message(), HasSubstr("untrusted api_domain"));
  v1::GetGrantResponse grant;
  ASSERT_TRUE(auth->Get("p1", &grant).ok());
  EXPECT_EQ(grant.grant().api_domain(), sim_->base_url());

  refused = Register(*auth, "p2", SeedGrant());
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(refused.error_message(), HasSubstr("nothing was stored"));
  EXPECT_EQ(auth->Get("p2", &grant).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Sql("SELECT count(*) FROM auth.grants WHERE api_domain LIKE '%evil%'"), "0");
}

TEST_F(AuthIntegrationTest, TokensGoWithTheApiHostTheAccountsServerNames) {
  StartSim(kDayLongTokens);
  auto auth = StartAuth();
  auto other = StartAuth();
  ASSERT_TRUE(auth && other);
  // The admin registers the US API host; the accounts server answers with its own.
  ASSERT_TRUE(Register(*auth, "p1", SeedGrant(), false, "https://www.zohoapis.com").ok());
  v1::GetGrantResponse grant;
  ASSERT_TRUE(auth->Get("p1", &grant).ok());
  EXPECT_EQ(grant.grant().api_domain(), sim_->base_url());
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", &token).ok());
  EXPECT_EQ(token.api_domain(), sim_->base_url());

  // Zoho moves the API host (the same sim under another name); the next mint says so.
  const std::string moved = absl::StrCat("http://localhost:", sim_->port());
  ASSERT_TRUE(
      sim_->Control(http::Method::kPost, "/_sim/oauth/api_domain", {{"api_domain", moved}}).ok());
  v1::GetAccessTokenResponse renewed;
  ASSERT_TRUE(auth->Token("p1", &renewed, token.access_token()).ok());
  EXPECT_EQ(renewed.api_domain(), moved);
  v1::GetAccessTokenResponse shared;  // another replica reads the token and host from Postgres
  ASSERT_TRUE(other->Token("p1", &shared).ok());
  EXPECT_EQ(shared.access_token(), renewed.access_token());
  EXPECT_EQ(shared.api_domain(), moved);
  ASSERT_TRUE(auth->Get("p1", &grant).ok());
  EXPECT_EQ(grant.grant().api_domain(), moved);

  // The vended host is where the token's calls succeed.
  http::CurlHttpClient http;
  auto users =
      http.Send({.url = shared.api_domain() + "/crm/v2/users",
                 .headers = {{"Authorization", "Zoho-oauthtoken " + shared.access_token()}}});
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(users->status, 200);
  ExpectNoSecretsLogged(*auth, {token.access_token(), renewed.access_token()});
}

TEST_F(AuthIntegrationTest, SlowAccountsServerNeverExhaustsThePoolOrFailsHealth) {
  StartSim(kDayLongTokens);
  // Mints hang 20 s; calls without a deadline wait at most 2 s for someone else's mint.
  auto auth = StartAuth({"--accounts_timeout=60s", "--refresh_wait_timeout=2s",
                         "--max_concurrent_mints=4", "--database_pool_size=8"});
  auto replica = StartAuth({"--accounts_timeout=60s"});
  ASSERT_TRUE(auth && replica);
  std::map<std::string, std::string> tokens;
  for (int i = 1; i <= 8; ++i) {
    const std::string portal = absl::StrCat("hang", i);
    ASSERT_TRUE(Register(*auth, portal, SeedGrant()).ok());
    v1::GetAccessTokenResponse token;
    ASSERT_TRUE(auth->Token(portal, &token).ok());
    tokens[portal] = token.access_token();
  }
  ASSERT_TRUE(Register(*auth, "steady", SeedGrant()).ok());  // its token waits in Postgres
  SlowMints(absl::Seconds(20));

  // Eight grants need a new token at once: four mint (and hang), four are refused at once.
  std::vector<std::future<grpc::Status>> hanging;
  for (const auto& [portal, token] : tokens) {
    hanging.push_back(std::async(std::launch::async, [&, portal = portal, token = token] {
      v1::GetAccessTokenResponse renewed;
      return auth->Token(portal, &renewed, token, absl::Seconds(60));
    }));
  }
  auto answered = [&] {
    return std::count_if(hanging.begin(), hanging.end(), [](std::future<grpc::Status>& call) {
      return !call.valid() || call.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    });
  };
  ASSERT_TRUE(WaitUntil([&] { return LeasesHeld() == 4 && answered() == 4; }));
  for (auto& call : hanging) {
    if (call.wait_for(std::chrono::seconds(0)) != std::future_status::ready) continue;
    grpc::Status status = call.get();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("mints"));
  }

  // While the mints hang: a token held in Postgres is served, other callers of a hanging grant
  // (here and on another replica) get a bounded answer, and health stays SERVING throughout.
  v1::GetAccessTokenResponse steady;
  grpc::Status status = auth->Token("steady", &steady, "", absl::Seconds(10));
  EXPECT_TRUE(status.ok()) << status.error_message();
  std::string hung_portal;
  for (const auto& [portal, token] : tokens) {
    if (std::stoi(Sql("SELECT count(*) FROM auth.grants WHERE refresh_lease_until IS NOT NULL "
                      "AND portal_id = '" +
                      portal + "'")) == 1) {
      hung_portal = portal;
    }
  }
  ASSERT_FALSE(hung_portal.empty());
  v1::GetAccessTokenResponse ignored;
  status = auth->Token(hung_portal, &ignored, tokens[hung_portal], absl::ZeroDuration());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("did not end"));
  status = replica->Token(hung_portal, &ignored, tokens[hung_portal], absl::Seconds(2));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  int checks = 0;
  while (LeasesHeld() > 0) {
    ASSERT_EQ(auth->Health(), grpc::health::v1::HealthCheckResponse::SERVING) << checks;
    ASSERT_EQ(auth->Health("crmsync.auth.v1.AuthService"),
              grpc::health::v1::HealthCheckResponse::SERVING);
    ++checks;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_GT(checks, 10);  // sampled across the whole 20 s of the hanging mints
  int renewed = 0;
  for (auto& call : hanging) {
    if (!call.valid()) continue;
    grpc::Status done = call.get();
    EXPECT_TRUE(done.ok()) << done.error_message();
    ++renewed;
  }
  EXPECT_EQ(renewed, 4);
}

TEST_F(AuthIntegrationTest,
       ProcessKilledDuringAMintIsTakenOverAfterItsLeaseAndTheMintStaysCounted) {
  StartSim(kDayLongTokens);
  // The killed process's lease lasts its 4 s call timeout plus 5 s.
  auto doomed = StartAuth({"--accounts_timeout=4s"});
  auto survivor = StartAuth();
  ASSERT_TRUE(doomed && survivor);
  ASSERT_TRUE(Register(*doomed, "p1", SeedGrant()).ok());
  v1::GetAccessTokenResponse first;
  ASSERT_TRUE(doomed->Token("p1", &first).ok());
  SlowMints(absl::Seconds(20));
  std::thread caller([&] {
    v1::GetAccessTokenResponse lost;
    EXPECT_FALSE(doomed->Token("p1", &lost, first.access_token()).ok());
  });
  ASSERT_TRUE(WaitUntil([&] { return LeasesHeld() == 1; }));
  ASSERT_EQ(kill(doomed->process->pid(), SIGKILL), 0);
  ASSERT_TRUE(doomed->process->Wait(absl::Seconds(10)).ok());
  caller.join();
  ClearFaults();

  v1::GetAccessTokenResponse renewed;
  grpc::Status status = survivor->Token("p1", &renewed, first.access_token(), absl::Seconds(30));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(renewed.access_token(), first.access_token());
  // It waited for the dead holder's lease to expire, then took it over: one lease taken.
  EXPECT_GE(survivor->Metric("crmsync_auth_refresh_leases_total{result=\"held\"}"), 1);
  EXPECT_EQ(survivor->Metric("crmsync_auth_refresh_leases_total{result=\"taken\"}"), 1);
  EXPECT_EQ(Sql("SELECT refresh_fence FROM auth.grants WHERE portal_id = 'p1'"), "2");
  EXPECT_EQ(LeasesHeld(), 0);
  // Registration, the killed process's mint (Zoho counted it too) and the survivor's.
  EXPECT_EQ(Sql("SELECT count(*) FROM auth.token_mints WHERE portal_id = 'p1'"), "3");
  ExpectNoSecretsLogged(*survivor, {first.access_token(), renewed.access_token()});
}

TEST_F(AuthIntegrationTest, SigtermDuringAHangingMintExitsWithinTheDrainTimeout) {
  StartSim(kDayLongTokens);
  auto auth = StartAuth({"--accounts_timeout=60s", "--drain_timeout=2s"});
  ASSERT_TRUE(auth);
  ASSERT_TRUE(Register(*auth, "p1", SeedGrant()).ok());
  v1::GetAccessTokenResponse first;
  ASSERT_TRUE(auth->Token("p1", &first).ok());
  SlowMints(absl::Seconds(20));
  std::future<grpc::Status> hanging = std::async(std::launch::async, [&] {
    v1::GetAccessTokenResponse renewed;
    return auth->Token("p1", &renewed, first.access_token(), absl::Seconds(60));
  });
  ASSERT_TRUE(WaitUntil([&] { return LeasesHeld() == 1; }));

  const absl::Time sigterm = absl::Now();
  auto exit_code = auth->process->Terminate(absl::Seconds(30));
  const absl::Duration stopped_after = absl::Now() - sigterm;
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  EXPECT_LE(stopped_after, absl::Seconds(2) + absl::Seconds(2));
  grpc::Status answer = hanging.get();
  EXPECT_FALSE(answer.ok());
  // The abandoned mint released its lease: a new process mints at once.
  EXPECT_EQ(LeasesHeld(), 0);
  ClearFaults();
  auto next = StartAuth();
  ASSERT_TRUE(next);
  v1::GetAccessTokenResponse renewed;
  grpc::Status status = next->Token("p1", &renewed, first.access_token(), absl::Seconds(5));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(renewed.access_token(), first.access_token());
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
       absl::StrCat("--auth_address=127.0.0.1:", auth->grpc_port), "--mail_dir=" + mail_dir,
       "--send_idle_poll=50ms"});
  ASSERT_TRUE(notify.ok()) << notify.status();
  ASSERT_TRUE(
      (*notify)
          ->WaitForLine([](const nlohmann::json& j) { return j.value("msg", "") == "serving"; },
                        absl::Seconds(20))
          .ok());
  ASSERT_EQ(WaitForAtLeast([&] { return auth->Metric(done); }, 1), 1);
  auto notify_stub = notify::v1::NotifyService::NewStub(
      ::crmsync::testing::AdminChannel(absl::StrCat("127.0.0.1:", notify_port)));
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
  ASSERT_TRUE(Register(*auth, "p2", second_token, false, "https://www.zohoapis.com",
                       "owner..dots@example.com")
                  .ok());
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

// The crmsync-auth binary with caller tokens in its environment, against real PostgreSQL: a
// malformed variable stops it at once with one line that holds no secret; the tokens it is
// started with are accepted as soon as it reports ready, and a restart without one revokes it;
// no secret reaches its logs or its command line.
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/crypto/aead.h"
#include "tests/libs/grpc_server/health_probe.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"

namespace crmsync::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace v1 = ::crmsync::auth::v1;

constexpr char kAdmin[] = "operator-chosen-admin-secret-5b8e1d0f";
constexpr char kSync[] = "operator-chosen-sync-secret-a93c4e27";
constexpr char kNotify[] = "operator-chosen-notify-secret-61f0b8";

struct Auth {
  std::unique_ptr<::crmsync::testing::Subprocess> process;
  std::unique_ptr<v1::AuthService::Stub> stub;

  // AuthenticateCaller for `token`, presenting `caller` as this call's own caller token.
  grpc::Status Authenticate(const std::string& token, const std::string& caller,
                            v1::AuthenticateCallerResponse* response) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + caller);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::AuthenticateCallerRequest request;
    request.set_token(token);
    return stub->AuthenticateCaller(&context, request, response);
  }
  // ListCallerTokens (role ADMIN) as the caller of `token`.
  grpc::Status ListCallerTokens(const std::string& token, v1::ListCallerTokensResponse* response) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    return stub->ListCallerTokens(&context, v1::ListCallerTokensRequest(), response);
  }
};

class EnvironmentTokensIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = ::crmsync::testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    keys_path_ = ::testing::TempDir() + "/auth_environment_keys_" + database_->name();
    std::ofstream(keys_path_) << crypto::KeySet::Generate("k1").Serialize();
  }
  void TearDown() override { std::remove(keys_path_.c_str()); }

  absl::StatusOr<std::unique_ptr<::crmsync::testing::Subprocess>> Spawn(
      const std::vector<std::string>& env) {
    return ::crmsync::testing::Subprocess::Start(
        std::string(CRMSYNC_BIN_DIR) + "/crmsync-auth",
        {"--database_url=" + database_->url(), "--grpc_port=0", "--metrics_port=0",
         "--listen_host=127.0.0.1", "--health_check_interval=200ms",
         "--encryption_keys_file=" + keys_path_},
        env);
  }

  // Starts auth with `env` and waits until it reports SERVING; null (a test failure) otherwise.
  std::unique_ptr<Auth> StartAuth(const std::vector<std::string>& env) {
    auto process = Spawn(env);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return nullptr;
    auto auth = std::make_unique<Auth>();
    auth->process = *std::move(process);
    auto line = auth->process->WaitForLine(
        [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; },
        absl::Seconds(20));
    EXPECT_TRUE(line.ok()) << line.status();
    if (!line.ok()) return nullptr;
    const int port = (*line)["grpc_port"].get<int>();
    const bool serving = ::crmsync::testing::WaitForHealth(
        port, "", grpc::health::v1::HealthCheckResponse::SERVING, absl::Seconds(20));
    EXPECT_TRUE(serving) << "auth did not report SERVING";
    if (!serving) return nullptr;
    auth->stub = v1::AuthService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    return auth;
  }

  std::unique_ptr<::crmsync::testing::TestDatabase> database_;
  std::string keys_path_;
};

// The NUL-separated command line of process `pid`.
std::string CommandLine(pid_t pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/cmdline"));
  return std::string(std::istreambuf_iterator<char>(file), {});
}

TEST_F(EnvironmentTokensIntegrationTest, AMalformedVariableExitsTwoWithOneLineThatHoldsNoSecret) {
  struct Case {
    std::string variable;
    std::string value;
    std::string secret;
  };
  const std::string short_secret = "too-short-secret-0123";
  const std::string upper_secret = "Upper_Case_Secret_0123456789abcdef";
  for (const Case& c : std::vector<Case>{
           {"CRMSYNC_BOOTSTRAP_ADMIN_TOKEN", short_secret, short_secret},
           {"CRMSYNC_SERVICE_TOKENS", absl::StrCat("sync:", kSync, ",", kNotify), kNotify},
           {"CRMSYNC_SERVICE_TOKENS", absl::StrCat(upper_secret, ":sync"), upper_secret}}) {
    auto process = Spawn({absl::StrCat(c.variable, "=", c.value)});
    ASSERT_TRUE(process.ok()) << process.status();
    auto code = (*process)->Wait(absl::Seconds(20));
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 2) << c.variable;
    const std::vector<std::string> lines = (*process)->StderrLines();
    ASSERT_EQ(lines.size(), 1u) << c.variable;
    EXPECT_THAT(lines[0], HasSubstr(c.variable + ": "));
    EXPECT_FALSE(absl::StrContains(lines[0], c.secret)) << lines[0];
    EXPECT_FALSE(absl::StrContains(lines[0], kSync)) << lines[0];
  }
}

TEST_F(EnvironmentTokensIntegrationTest, TokensOfTheEnvironmentAreAcceptedOnceReadyUntilRemoved) {
  auto auth = StartAuth({absl::StrCat("CRMSYNC_BOOTSTRAP_ADMIN_TOKEN=", kAdmin),
                         absl::StrCat("CRMSYNC_SERVICE_TOKENS=sync:", kSync, ",notify:", kNotify)});
  ASSERT_NE(auth, nullptr);
  v1::AuthenticateCallerResponse who;
  ASSERT_TRUE(auth->Authenticate(kAdmin, kSync, &who).ok());
  EXPECT_EQ(who.caller_token().caller_name(), "bootstrap-admin");
  EXPECT_THAT(who.caller_token().roles(), ElementsAre(v1::CALLER_ROLE_ADMIN));
  EXPECT_TRUE(who.caller_token().portal_ids().empty());
  ASSERT_TRUE(auth->Authenticate(kNotify, kSync, &who).ok());
  EXPECT_EQ(who.caller_token().caller_name(), "notify");
  EXPECT_THAT(who.caller_token().roles(), ElementsAre(v1::CALLER_ROLE_SERVICE));
  // Auth's own RPCs take them too, each for what its role covers.
  v1::ListCallerTokensResponse listed;
  ASSERT_TRUE(auth->ListCallerTokens(kAdmin, &listed).ok());
  std::vector<std::string> ids;
  for (const auto& token : listed.caller_tokens()) ids.push_back(token.caller_token_id());
  EXPECT_THAT(ids,
              ::testing::UnorderedElementsAre("bootstrap-admin", "service-sync", "service-notify"));
  EXPECT_EQ(auth->ListCallerTokens(kSync, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  for (const char* secret : {kAdmin, kSync, kNotify}) {
    EXPECT_FALSE(absl::StrContains(CommandLine(auth->process->pid()), secret));
  }
  std::vector<std::string> lines = auth->process->StderrLines();
  ASSERT_TRUE(auth->process->Terminate().ok());

  // notify's token is taken out of the environment.
  auto restarted = StartAuth({absl::StrCat("CRMSYNC_BOOTSTRAP_ADMIN_TOKEN=", kAdmin),
                              absl::StrCat("CRMSYNC_SERVICE_TOKENS=sync:", kSync)});
  ASSERT_NE(restarted, nullptr);
  grpc::Status refused = restarted->Authenticate(kNotify, kSync, &who);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(absl::StrContains(refused.error_message(), kNotify)) << refused.error_message();
  EXPECT_TRUE(restarted->Authenticate(kSync, kSync, &who).ok());
  EXPECT_EQ(restarted->Authenticate(kSync, kNotify, &who).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(restarted->process->Terminate().ok());

  std::vector<std::string> more = restarted->process->StderrLines();
  lines.insert(lines.end(), more.begin(), more.end());
  for (const std::string& line : lines) {
    for (const char* secret : {kAdmin, kSync, kNotify}) {
      EXPECT_FALSE(absl::StrContains(line, secret)) << line;
    }
  }
}

}  // namespace
}  // namespace crmsync::auth

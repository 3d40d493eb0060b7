// crmsyncctl as an operator runs it against the real auth and mapping binaries: tables and JSON
// out, exit 0 / 1 (refused) / 2 (usage), errors that name the field, secrets only from the
// environment or a file, and the caller token from CRMSYNC_CALLER_TOKEN or --token_file.
#include <stdio.h>
#include <sys/wait.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/callers/callers.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/serving_binary.h"
#include "tests/support/services/crmsync_services.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync {
namespace {

struct CtlRun {
  int code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

class CrmsyncctlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testing::SetCallerEnvironment();
    auto database = testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = database->release();
    auto sim = testing::ZohoSimProcess::Start();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = sim->release();
    auth_ = new testing::ServingBinary(testing::StartAuth(database_->url()));
    ASSERT_NE(auth_->channel, nullptr);
    // Every call asks auth, so a revocation shows at once.
    mapping_ = new testing::ServingBinary(testing::StartMapping(
        database_->url(), auth_->address, sim_->base_url(), {"--caller_cache_ttl=0s"}));
    ASSERT_NE(mapping_->channel, nullptr);
  }
  static void TearDownTestSuite() {
    delete mapping_;
    delete auth_;
    delete sim_;
    delete database_;
  }

  // Runs crmsyncctl with `args` and `env` ("NAME=value") on top of ours, the caller token being
  // the admin's unless `env` names another.
  static CtlRun Ctl(const std::vector<std::string>& args, std::vector<std::string> env = {}) {
    const std::string dir = ::testing::TempDir();
    const std::string out = dir + "/ctl.out", err = dir + "/ctl.err";
    std::string command = "env";
    if (std::none_of(env.begin(), env.end(), [](const std::string& e) {
          return absl::StartsWith(e, "CRMSYNC_CALLER_TOKEN=");
        })) {
      env.push_back(absl::StrCat("CRMSYNC_CALLER_TOKEN=", testing::kTestAdminToken));
    }
    for (const std::string& e : env) absl::StrAppend(&command, " '", e, "'");
    absl::StrAppend(&command, " ", CRMSYNC_BIN_DIR, "/crmsyncctl --auth_address=", auth_->address,
                    " --mapping_address=", mapping_->address);
    for (const std::string& arg : args) absl::StrAppend(&command, " '", arg, "'");
    absl::StrAppend(&command, " >", out, " 2>", err);
    CtlRun run;
    const int status = std::system(command.c_str());
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream o(out), e(err);
    run.out.assign(std::istreambuf_iterator<char>(o), {});
    run.err.assign(std::istreambuf_iterator<char>(e), {});
    return run;
  }

  static testing::TestDatabase* database_;
  static testing::ZohoSimProcess* sim_;
  static testing::ServingBinary* auth_;
  static testing::ServingBinary* mapping_;
};

testing::TestDatabase* CrmsyncctlTest::database_ = nullptr;
testing::ZohoSimProcess* CrmsyncctlTest::sim_ = nullptr;
testing::ServingBinary* CrmsyncctlTest::auth_ = nullptr;
testing::ServingBinary* CrmsyncctlTest::mapping_ = nullptr;

TEST_F(CrmsyncctlTest, IssuesAndListsAndRevokesCallerTokens) {
  const CtlRun issued = Ctl({"token", "issue", "--caller_name=billing", "--roles=reader,writer",
                             "--portal_ids=900001", "--output=json"});
  ASSERT_EQ(issued.code, 0) << issued.err;
  const nlohmann::json token = nlohmann::json::parse(issued.out);
  const std::string id = token["caller_token"]["caller_token_id"];
  EXPECT_TRUE(absl::StartsWith(token["token"].get<std::string>(), "cst_"));

  // The new token works as a caller token of its own, through --token_file.
  const std::string file = ::testing::TempDir() + "/billing.token";
  std::ofstream(file) << token["token"].get<std::string>() << "\n";
  const CtlRun as_billing = Ctl({"portal", "get", "--portal_id=900001", "--token_file=" + file},
                                {"CRMSYNC_CALLER_TOKEN="});
  EXPECT_EQ(as_billing.code, 1);
  EXPECT_TRUE(absl::StrContains(as_billing.err, "NOT_FOUND")) << as_billing.err;

  const CtlRun listed = Ctl({"token", "list"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  // An aligned table with a header and the token's row.
  EXPECT_TRUE(absl::StartsWith(listed.out, "caller_token_id")) << listed.out;
  EXPECT_TRUE(absl::StrContains(listed.out, "billing")) << listed.out;
  EXPECT_TRUE(absl::StrContains(listed.out, "CALLER_ROLE_READER,CALLER_ROLE_WRITER")) << listed.out;

  ASSERT_EQ(Ctl({"token", "revoke", "--caller_token_id=" + id}).code, 0);
  const CtlRun revoked = Ctl({"portal", "get", "--portal_id=900001", "--token_file=" + file},
                             {"CRMSYNC_CALLER_TOKEN="});
  EXPECT_EQ(revoked.code, 1);
  EXPECT_TRUE(absl::StrContains(revoked.err, "UNAUTHENTICATED")) << revoked.err;
}

TEST_F(CrmsyncctlTest, UpsertsAPortalFromAFileAndReadsItBack) {
  const std::string file = ::testing::TempDir() + "/portal.json";
  std::ofstream(file) << R"({"portal_id": "900002", "name": "Acme", "crm_org_id": "org-1"})";
  const CtlRun upsert = Ctl({"portal", "upsert", "--file=" + file});
  ASSERT_EQ(upsert.code, 0) << upsert.err;
  const CtlRun got = Ctl({"portal", "get", "--portal_id=900002", "--output=json"});
  ASSERT_EQ(got.code, 0) << got.err;
  const nlohmann::json portal = nlohmann::json::parse(got.out)["portal"];
  EXPECT_EQ(portal["name"], "Acme");
  EXPECT_EQ(portal["crm_org_id"], "org-1");
  const CtlRun list = Ctl({"portal", "list"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_TRUE(absl::StrContains(list.out, "900002")) << list.out;
}

TEST_F(CrmsyncctlTest, RegistersAGrantWithSecretsFromTheEnvironmentOnly) {
  const std::string refresh_token = *sim_->SeedGrant("ctl-client", "ctl-secret", "o@x.test");
  const std::vector<std::string> args = {"grant",
                                         "register",
                                         "--portal_id=900003",
                                         "--side=crm",
                                         "--accounts_server_url=" + sim_->base_url(),
                                         "--api_domain=" + sim_->base_url(),
                                         "--client_id=ctl-client",
                                         "--scopes=ZohoCRM.modules.tasks.ALL",
                                         "--owner_email=o@x.test"};
  std::vector<std::string> on_argv = args;
  on_argv.push_back("--refresh_token=" + refresh_token);
  const CtlRun refused = Ctl(on_argv, {"CRMSYNC_CLIENT_SECRET=ctl-secret"});
  EXPECT_EQ(refused.code, 2);
  EXPECT_TRUE(absl::StrContains(refused.err, "--refresh_token")) << refused.err;
  EXPECT_FALSE(absl::StrContains(refused.err, refresh_token));

  const CtlRun registered =
      Ctl(args, {"CRMSYNC_CLIENT_SECRET=ctl-secret", "CRMSYNC_REFRESH_TOKEN=" + refresh_token});
  ASSERT_EQ(registered.code, 0) << registered.err;
  const CtlRun got = Ctl({"grant", "get", "--portal_id=900003", "--side=crm"});
  ASSERT_EQ(got.code, 0) << got.err;
  EXPECT_TRUE(absl::StrContains(got.out, "GRANT_STATE_ACTIVE")) << got.out;
  EXPECT_FALSE(absl::StrContains(got.out, refresh_token));
}

TEST_F(CrmsyncctlTest, UsageErrorsNameTheFlagAndExit2) {
  const CtlRun unknown_field = Ctl({"portal", "get", "--portl_id=1"});
  EXPECT_EQ(unknown_field.code, 2);
  EXPECT_TRUE(absl::StrContains(unknown_field.err, "--portl_id: no such field"))
      << unknown_field.err;
  const CtlRun bad_enum = Ctl({"grant", "get", "--portal_id=1", "--side=fax"});
  EXPECT_EQ(bad_enum.code, 2);
  EXPECT_TRUE(absl::StrContains(bad_enum.err, "--side")) << bad_enum.err;
  EXPECT_EQ(Ctl({"portal", "frobnicate"}).code, 2);
  const CtlRun no_token = Ctl({"portal", "list"}, {"CRMSYNC_CALLER_TOKEN="});
  EXPECT_EQ(no_token.code, 2);
  EXPECT_TRUE(absl::StrContains(no_token.err, "CRMSYNC_CALLER_TOKEN")) << no_token.err;
  const CtlRun help = Ctl({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(absl::StrContains(help.out, "accounts automap")) << help.out;
}

TEST_F(CrmsyncctlTest, ARefusalPrintsTheServicesCodeAndExits1) {
  const CtlRun missing = Ctl({"portal", "get", "--portal_id=424242"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(absl::StrContains(missing.err, "NOT_FOUND")) << missing.err;
  const CtlRun invalid = Ctl({"portal", "get"});
  EXPECT_EQ(invalid.code, 1);
  EXPECT_TRUE(absl::StrContains(invalid.err, "INVALID_ARGUMENT: portal_id")) << invalid.err;
}

}  // namespace
}  // namespace crmsync

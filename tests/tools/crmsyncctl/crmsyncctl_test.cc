// crmsyncctl as an operator runs it against the real auth and mapping binaries: tables and JSON
// out, exit 0 / 1 (refused) / 2 (usage), errors that name the field, secrets only from the
// environment or a file, and the caller token from CRMSYNC_CALLER_TOKEN or --token_file.
#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "gtest/gtest.h"
#include "libs/http/http_client.h"
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

  // A self-client grant code for OAuth client "code-client" (secret "code-secret"), issued by the
  // sim as Zoho's API console issues one, for `minutes`.
  static std::string IssueGrantCode(int minutes = 3) {
    EXPECT_TRUE(sim_->Control(http::Method::kPost, "/_sim/oauth/clients",
                              {{"client_id", "code-client"}, {"client_secret", "code-secret"}})
                    .ok());
    auto code = sim_->Control(http::Method::kPost, "/_sim/oauth/grant_codes",
                              {{"client_id", "code-client"},
                               {"user_email", "o@x.test"},
                               {"scopes", {"ZohoCRM.modules.tasks.ALL", "ZohoCRM.users.READ"}},
                               {"expiry_minutes", minutes}});
    EXPECT_TRUE(code.ok()) << code.status();
    return code.ok() ? (*code)["code"].get<std::string>() : "";
  }

  // `grant register` of (portal_id, crm) for "code-client", the secrets from `env`.
  static CtlRun RegisterWithCode(const std::string& portal_id, std::vector<std::string> env) {
    env.push_back("CRMSYNC_CLIENT_SECRET=code-secret");
    return Ctl({"grant", "register", "--portal_id=" + portal_id, "--side=crm",
                "--accounts_server_url=" + sim_->base_url(), "--client_id=code-client",
                "--owner_email=o@x.test"},
               env);
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

// The same portal, value maps included, in JSON and in YAML (with `<id>` for its portal id).
constexpr absl::string_view kPortalJson = R"({
  "portal_id": "<id>", "name": "Acme", "crm_org_id": "org-1",
  "rejection_policy": "REJECTION_POLICY_REPORT_AND_RESTORE",
  "value_maps": {
    "crm_priorities": [
      {"side_value": "", "priority": "PRIORITY_NONE", "write": true},
      {"side_value": "Lowest", "priority": "PRIORITY_LOW"},
      {"side_value": "Low", "priority": "PRIORITY_LOW", "write": true},
      {"side_value": "Normal", "priority": "PRIORITY_MEDIUM", "write": true},
      {"side_value": "High", "priority": "PRIORITY_HIGH", "write": true},
      {"side_value": "Highest", "priority": "PRIORITY_HIGH"}
    ],
    "crm_statuses": [
      {"side_value": "Not Started", "status": "TASK_STATUS_OPEN", "write": true},
      {"side_value": "Waiting for input", "status": "TASK_STATUS_OPEN"},
      {"side_value": "Completed", "status": "TASK_STATUS_CLOSED", "write": true}
    ]
  }
})";
constexpr absl::string_view kPortalYaml = R"(# Acme's portal: CRM's picklists as this org has them.
portal_id: <id>
name: Acme
crm_org_id: org-1
rejection_policy: REJECTION_POLICY_REPORT_AND_RESTORE
value_maps:
  crm_priorities:
    - {side_value: "", priority: PRIORITY_NONE, write: true}
    - {side_value: Lowest, priority: PRIORITY_LOW}
    - {side_value: Low, priority: PRIORITY_LOW, write: true}
    - {side_value: Normal, priority: PRIORITY_MEDIUM, write: true}
    - {side_value: High, priority: PRIORITY_HIGH, write: true}
    - {side_value: Highest, priority: PRIORITY_HIGH}
  crm_statuses:
    - side_value: Not Started
      status: TASK_STATUS_OPEN
      write: true
    - side_value: Waiting for input
      status: TASK_STATUS_OPEN
    - side_value: Completed
      status: TASK_STATUS_CLOSED
      write: true
)";

// Upserts `text` (with `<id>` replaced by `id`) from file `name`; returns the portal as stored,
// without its id and times.
nlohmann::json UpsertAndGet(const std::function<CtlRun(const std::vector<std::string>&)>& ctl,
                            absl::string_view text, const std::string& id,
                            const std::string& name) {
  const std::string file = ::testing::TempDir() + "/" + name;
  std::ofstream(file) << absl::StrReplaceAll(text, {{"<id>", id}});
  const CtlRun upsert = ctl({"portal", "upsert", "--file=" + file});
  EXPECT_EQ(upsert.code, 0) << upsert.err;
  const CtlRun got = ctl({"portal", "get", "--portal_id=" + id, "--output=json"});
  EXPECT_EQ(got.code, 0) << got.err;
  if (got.code != 0) return nullptr;
  nlohmann::json portal = nlohmann::json::parse(got.out)["portal"];
  for (const char* key : {"portal_id", "create_time", "update_time"}) portal.erase(key);
  return portal;
}

TEST_F(CrmsyncctlTest, APortalFromYamlIsThePortalFromJson) {
  const auto ctl = [](const std::vector<std::string>& args) { return Ctl(args); };
  const nlohmann::json from_json = UpsertAndGet(ctl, kPortalJson, "900020", "portal.json");
  const nlohmann::json from_yaml = UpsertAndGet(ctl, kPortalYaml, "900021", "portal.yaml");
  EXPECT_EQ(from_json["value_maps"]["crm_priorities"].size(), 6) << from_json.dump(2);
  EXPECT_EQ(from_json["rejection_policy"], "REJECTION_POLICY_REPORT_AND_RESTORE");
  EXPECT_EQ(from_yaml, from_json) << from_yaml.dump(2) << "\n" << from_json.dump(2);
  // Without an extension, the content tells.
  EXPECT_EQ(UpsertAndGet(ctl, kPortalYaml, "900022", "acme-portal"), from_json);
}

TEST_F(CrmsyncctlTest, TheExamplePortalFileIsAccepted) {
  const CtlRun upsert = Ctl(
      {"portal", "upsert", "--file=" CRMSYNC_SOURCE_DIR "/deploy/crmsyncctl/portal.example.yaml"});
  ASSERT_EQ(upsert.code, 0) << upsert.err;
  const CtlRun got = Ctl({"portal", "get", "--portal_id=700001", "--output=json"});
  ASSERT_EQ(got.code, 0) << got.err;
  const nlohmann::json maps = nlohmann::json::parse(got.out)["portal"]["value_maps"];
  EXPECT_EQ(maps["crm_statuses"].size(), 5) << maps.dump(2);
  EXPECT_EQ(maps["projects_priorities"][0]["side_value"], "None") << maps.dump(2);
}

TEST_F(CrmsyncctlTest, ABadYamlPortalFileIsAUsageErrorNamingFileAndLine) {
  const std::string file = ::testing::TempDir() + "/broken.yaml";
  std::ofstream(file) << "portal_id: \"900023\"\nname: Acme\nvalue_maps:\n  crm_priorities: [\n";
  const CtlRun broken = Ctl({"portal", "upsert", "--file=" + file});
  EXPECT_EQ(broken.code, 2);
  EXPECT_TRUE(absl::StrContains(broken.err, "--file: " + file + ":4:")) << broken.err;

  std::ofstream(file) << "- portal_id: \"900023\"\n";
  const CtlRun list = Ctl({"portal", "upsert", "--file=" + file});
  EXPECT_EQ(list.code, 2);
  EXPECT_TRUE(absl::StrContains(list.err, file + ":1:1: expected a mapping of Portal fields"))
      << list.err;
  EXPECT_EQ(Ctl({"portal", "get", "--portal_id=900023"}).code, 1);
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

TEST_F(CrmsyncctlTest, RegistersAGrantFromAZohoGrantCodeWhoseTokensWork) {
  const std::string code = IssueGrantCode();
  const CtlRun registered = RegisterWithCode("900004", {"CRMSYNC_GRANT_CODE=" + code});
  ASSERT_EQ(registered.code, 0) << registered.err;
  EXPECT_FALSE(absl::StrContains(registered.out + registered.err, code));

  // The api_domain and scopes came from the accounts server's reply.
  const CtlRun got = Ctl({"grant", "get", "--portal_id=900004", "--side=crm", "--output=json"});
  ASSERT_EQ(got.code, 0) << got.err;
  const nlohmann::json grant = nlohmann::json::parse(got.out)["grant"];
  EXPECT_EQ(grant["state"], "GRANT_STATE_ACTIVE");
  EXPECT_EQ(grant["api_domain"], sim_->base_url());
  EXPECT_EQ(grant["scopes"], nlohmann::json({"ZohoCRM.modules.tasks.ALL", "ZohoCRM.users.READ"}));

  // auth vends a token from the registered refresh token, and Zoho takes it.
  auto stub = auth::v1::AuthService::NewStub(auth_->service_channel);
  grpc::ClientContext context;
  auth::v1::GetAccessTokenRequest request;
  request.set_portal_id("900004");
  request.set_side(common::v1::SIDE_CRM);
  request.add_scopes("ZohoCRM.users.READ");
  auth::v1::GetAccessTokenResponse token;
  const grpc::Status status = stub->GetAccessToken(&context, request, &token);
  ASSERT_TRUE(status.ok()) << status.error_message();
  http::CurlHttpClient http;
  auto users =
      http.Send({.url = token.api_domain() + "/crm/v2/users",
                 .headers = {{"Authorization", "Zoho-oauthtoken " + token.access_token()}}});
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(users->status, 200) << users->body;

  for (const std::string& line : auth_->process->StderrLines()) {
    EXPECT_FALSE(absl::StrContains(line, code)) << line;
  }
}

TEST_F(CrmsyncctlTest, AUsedOrExpiredGrantCodeIsRefusedAndRegistersNothing) {
  const std::string code = IssueGrantCode();
  ASSERT_EQ(RegisterWithCode("900005", {"CRMSYNC_GRANT_CODE=" + code}).code, 0);
  const CtlRun used = RegisterWithCode("900006", {"CRMSYNC_GRANT_CODE=" + code});
  EXPECT_EQ(used.code, 1);
  EXPECT_TRUE(absl::StrContains(used.err, "grant code expired, already used")) << used.err;
  EXPECT_TRUE(absl::StrContains(used.err, "invalid_code")) << used.err;
  EXPECT_TRUE(absl::StrContains(used.err, "nothing was registered")) << used.err;
  // The refusal is the accounts server's alone: auth was never asked.
  EXPECT_FALSE(absl::StrContains(used.err, "INVALID_ARGUMENT")) << used.err;
  EXPECT_FALSE(absl::StrContains(used.err, code));
  EXPECT_FALSE(absl::StrContains(used.err, "code-secret"));
  EXPECT_EQ(Ctl({"grant", "get", "--portal_id=900006", "--side=crm"}).code, 1);

  const std::string file = ::testing::TempDir() + "/grant.code";
  std::ofstream(file) << IssueGrantCode(/*minutes=*/3) << "\n";
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 181}}).ok());
  const CtlRun late = Ctl({"grant", "register", "--portal_id=900007", "--side=crm",
                           "--accounts_server_url=" + sim_->base_url(), "--client_id=code-client",
                           "--owner_email=o@x.test", "--grant_code_file=" + file},
                          {"CRMSYNC_CLIENT_SECRET=code-secret"});
  EXPECT_EQ(late.code, 1);
  EXPECT_TRUE(absl::StrContains(late.err, "invalid_code")) << late.err;
  const CtlRun none = Ctl({"grant", "get", "--portal_id=900007", "--side=crm"});
  EXPECT_EQ(none.code, 1);
  EXPECT_TRUE(absl::StrContains(none.err, "NOT_FOUND")) << none.err;
}

TEST_F(CrmsyncctlTest, ARefreshTokenWhoseGrantIsRefusedIsRevoked) {
  ASSERT_EQ(RegisterWithCode("900009", {"CRMSYNC_GRANT_CODE=" + IssueGrantCode()}).code, 0);
  const auto revokes = [] {
    auto counts = sim_->Control(http::Method::kGet, "/_sim/counts");
    EXPECT_TRUE(counts.ok()) << counts.status();
    return counts.ok() ? (*counts)["counts"].value("POST /oauth/v2/token/revoke", 0) : -1;
  };
  const int before = revokes();
  // The portal's CRM grant exists already and --replace_existing is not given.
  const CtlRun refused = RegisterWithCode("900009", {"CRMSYNC_GRANT_CODE=" + IssueGrantCode()});
  EXPECT_EQ(refused.code, 1);
  EXPECT_TRUE(absl::StrContains(refused.err, "ALREADY_EXISTS")) << refused.err;
  EXPECT_TRUE(absl::StrContains(refused.err, "the refresh token the grant code gave was revoked"))
      << refused.err;
  EXPECT_EQ(revokes(), before + 1);
}

TEST_F(CrmsyncctlTest, AGrantCodeComesFromTheEnvironmentOrAFileAndAloneOfItsKind) {
  const CtlRun argv = Ctl({"grant", "register", "--portal_id=900008", "--grant_code=1000.abc.def"},
                          {"CRMSYNC_CLIENT_SECRET=code-secret"});
  EXPECT_EQ(argv.code, 2);
  EXPECT_TRUE(absl::StrContains(argv.err,
                                "--grant_code: a secret is never taken from the "
                                "command line"))
      << argv.err;
  EXPECT_FALSE(absl::StrContains(argv.err, "1000.abc.def"));

  const CtlRun both = RegisterWithCode(
      "900008", {"CRMSYNC_GRANT_CODE=1000.abc.def", "CRMSYNC_REFRESH_TOKEN=1000.ghi.jkl"});
  EXPECT_EQ(both.code, 2);
  EXPECT_TRUE(absl::StrContains(both.err, "exactly one of a grant code")) << both.err;
  EXPECT_TRUE(absl::StrContains(both.err, "CRMSYNC_GRANT_CODE and CRMSYNC_REFRESH_TOKEN"))
      << both.err;
  EXPECT_FALSE(absl::StrContains(both.err, "1000."));
  const CtlRun elsewhere =
      Ctl({"grant", "register", "--portal_id=900008", "--side=crm",
           "--accounts_server_url=https://accounts.zoho.com.evil.example", "--client_id=c",
           "--owner_email=o@x.test"},
          {"CRMSYNC_CLIENT_SECRET=code-secret", "CRMSYNC_GRANT_CODE=1000.abc.def"});
  EXPECT_EQ(elsewhere.code, 2);
  EXPECT_TRUE(absl::StrContains(elsewhere.err,
                                "--accounts_server_url: must be https:// and one "
                                "of Zoho's accounts servers"))
      << elsewhere.err;
  const CtlRun neither = RegisterWithCode("900008", {});
  EXPECT_EQ(neither.code, 2);
  EXPECT_TRUE(absl::StrContains(neither.err, "--grant_code_file")) << neither.err;
  EXPECT_TRUE(absl::StrContains(neither.err, "--refresh_token_file")) << neither.err;
  EXPECT_EQ(Ctl({"grant", "get", "--portal_id=900008", "--side=crm"}).code, 1);
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

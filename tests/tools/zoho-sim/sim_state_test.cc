// SimState's rules driven directly, with exact times and no sockets.
#include "tools/zoho-sim/sim_state.h"

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace crmsync::zoho_sim {
namespace {

const absl::Time kStart =
    absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());

class SimStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_.AddOAuthClient("c", "s");
    refresh_ = *state_.AddGrant("c", "", "ann@example.com", {});
  }
  Reply Mint(absl::Time at) {
    return state_.MintToken({{"grant_type", "refresh_token"},
                             {"client_id", "c"},
                             {"client_secret", "s"},
                             {"refresh_token", refresh_}},
                            at);
  }

  SimState state_{SimOptions{}};
  std::string refresh_;
};

TEST_F(SimStateTest, MintWindowSlides) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Mint(kStart + absl::Minutes(i)).body.contains("access_token")) << i;
  }
  EXPECT_EQ(Mint(kStart + absl::Minutes(9) + absl::Seconds(59)).body["error"], "Access Denied");
  // The first mint leaves the window ten minutes after it happened, freeing one place.
  EXPECT_TRUE(Mint(kStart + absl::Minutes(10)).body.contains("access_token"));
  EXPECT_EQ(Mint(kStart + absl::Minutes(10)).body["error"], "Access Denied");
}

TEST_F(SimStateTest, TokensExpireAfterTheirTtl) {
  const std::string token = Mint(kStart).body["access_token"];
  EXPECT_TRUE(state_.Authenticate(token, kStart + absl::Minutes(59)).has_value());
  EXPECT_FALSE(state_.Authenticate(token, kStart + absl::Hours(1)).has_value());
}

// Exchanges grant code `code` as client "c" with `secret`.
Reply ExchangeCode(SimState& state, const std::string& code, absl::Time at,
                   const std::string& secret = "s") {
  return state.MintToken({{"grant_type", "authorization_code"},
                          {"client_id", "c"},
                          {"client_secret", secret},
                          {"code", code}},
                         at);
}

TEST_F(SimStateTest, AGrantCodeBecomesARefreshTokenThatMints) {
  const std::string code = *state_.IssueGrantCode(
      "c", "bob@example.com", {"ZohoCRM.modules.tasks.ALL"}, absl::Minutes(3), kStart);
  const Reply reply = ExchangeCode(state_, code, kStart + absl::Minutes(2));
  ASSERT_EQ(reply.status, 200);
  ASSERT_TRUE(reply.body.contains("refresh_token")) << reply.body;
  EXPECT_EQ(reply.body["token_type"], "Bearer");
  EXPECT_EQ(reply.body["expires_in"], 3600);
  EXPECT_EQ(reply.body["scope"], "ZohoCRM.modules.tasks.ALL");
  const auto owner = state_.Authenticate(reply.body["access_token"], kStart + absl::Minutes(2));
  ASSERT_TRUE(owner.has_value());
  EXPECT_EQ(owner->user_email, "bob@example.com");

  const Reply minted = state_.MintToken({{"grant_type", "refresh_token"},
                                         {"client_id", "c"},
                                         {"client_secret", "s"},
                                         {"refresh_token", reply.body["refresh_token"]}},
                                        kStart + absl::Minutes(3));
  EXPECT_TRUE(minted.body.contains("access_token")) << minted.body;
  EXPECT_FALSE(minted.body.contains("refresh_token"));
}

TEST_F(SimStateTest, AGrantCodeWorksOnce) {
  const std::string code = *state_.IssueGrantCode("c", "bob@example.com", {"ZohoCRM.users.READ"},
                                                  absl::Minutes(3), kStart);
  ASSERT_TRUE(ExchangeCode(state_, code, kStart).body.contains("refresh_token"));
  const Reply again = ExchangeCode(state_, code, kStart + absl::Seconds(1));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, Json({{"error", "invalid_code"}}));
}

TEST_F(SimStateTest, AGrantCodeExpiresAfterItsMinutes) {
  const std::string code = *state_.IssueGrantCode("c", "bob@example.com", {"ZohoCRM.users.READ"},
                                                  absl::Minutes(5), kStart);
  const Reply late = ExchangeCode(state_, code, kStart + absl::Minutes(5));
  EXPECT_EQ(late.status, 200);
  EXPECT_EQ(late.body, Json({{"error", "invalid_code"}}));
}

TEST_F(SimStateTest, AGrantCodeNeedsItsOwnClientsSecret) {
  state_.AddOAuthClient("other", "other-secret");
  const std::string code = *state_.IssueGrantCode("c", "bob@example.com", {"ZohoCRM.users.READ"},
                                                  absl::Minutes(3), kStart);
  EXPECT_EQ(ExchangeCode(state_, code, kStart, "wrong").body["error"], "invalid_client");
  const Reply foreign = state_.MintToken({{"grant_type", "authorization_code"},
                                          {"client_id", "other"},
                                          {"client_secret", "other-secret"},
                                          {"code", code}},
                                         kStart);
  EXPECT_EQ(foreign.body["error"], "invalid_code");
  // Neither refusal used the code up.
  EXPECT_TRUE(ExchangeCode(state_, code, kStart).body.contains("refresh_token"));
}

TEST_F(SimStateTest, GrantCodesAreIssuedAsTheConsoleOffersThem) {
  EXPECT_TRUE(absl::IsNotFound(state_
                                   .IssueGrantCode("nope", "bob@example.com",
                                                   {"ZohoCRM.users.READ"}, absl::Minutes(3), kStart)
                                   .status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      state_.IssueGrantCode("c", "bob@example.com", {}, absl::Minutes(3), kStart).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      state_
          .IssueGrantCode("c", "bob@example.com", {"ZohoCRM.users.READ"}, absl::Minutes(60), kStart)
          .status()));
}

TEST_F(SimStateTest, ProjectsBudgetIsPerRollingMinute) {
  for (int i = 0; i < 150; ++i) {
    ASSERT_EQ(state_.ChargeProjectsCall("t", kStart + absl::Milliseconds(i)), std::nullopt);
  }
  EXPECT_EQ(state_.ChargeProjectsCall("t", kStart + absl::Seconds(30)), absl::Seconds(30));
  EXPECT_EQ(state_.ChargeProjectsCall("t", kStart + absl::Minutes(1) + absl::Milliseconds(1)),
            std::nullopt);
}

TEST_F(SimStateTest, CrmConcurrencyIsPerUser) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(state_.BeginCrmCall("ann"));
  EXPECT_FALSE(state_.BeginCrmCall("ann"));
  EXPECT_TRUE(state_.BeginCrmCall("bob"));
  state_.EndCrmCall("ann");
  EXPECT_TRUE(state_.BeginCrmCall("ann"));
}

TEST_F(SimStateTest, CrmCreditsComeBackADayAfterTheirCall) {
  state_.SetCrmCreditsRemaining(2, kStart);
  EXPECT_TRUE(state_.ChargeCrmCredit(kStart));
  EXPECT_TRUE(state_.ChargeCrmCredit(kStart + absl::Hours(1)));
  EXPECT_FALSE(state_.ChargeCrmCredit(kStart + absl::Hours(2)));
  EXPECT_EQ(state_.CrmCreditsRemaining(kStart + absl::Hours(24) - absl::Seconds(1)), 0);
  // The first call leaves the window 24 hours after it; the second an hour later.
  EXPECT_EQ(state_.CrmCreditsRemaining(kStart + absl::Hours(24)), 1);
  EXPECT_TRUE(state_.ChargeCrmCredit(kStart + absl::Hours(24)));
  EXPECT_FALSE(state_.ChargeCrmCredit(kStart + absl::Hours(24)));
  EXPECT_EQ(state_.CrmCreditsRemaining(kStart + absl::Hours(25)), 1);
}

TEST_F(SimStateTest, WatchExpiryBeyondADayBecomesOneHour) {
  auto watch = [&](absl::Duration ahead) {
    return Json{{"watch",
                 {{{"channel_id", 1000000068001},
                   {"events", {"Tasks.all"}},
                   {"notify_url", "https://example.com/crm"},
                   {"channel_expiry", absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", kStart + ahead,
                                                       absl::UTCTimeZone())}}}}};
  };
  const Reply day = state_.CrmEnableWatch(watch(absl::Hours(24)), kStart);
  ASSERT_EQ(day.status, 200) << day.body.dump();
  EXPECT_EQ(day.body["watch"][0]["details"]["events"][0]["channel_expiry"],
            "2026-11-24T09:00:00+00:00");
  const Reply beyond = state_.CrmEnableWatch(watch(absl::Hours(24) + absl::Seconds(1)), kStart);
  ASSERT_EQ(beyond.status, 200) << beyond.body.dump();
  EXPECT_EQ(beyond.body["watch"][0]["details"]["events"][0]["channel_expiry"],
            "2026-11-23T10:00:00+00:00");
  EXPECT_EQ(state_.CrmEnableWatch(watch(-absl::Seconds(1)), kStart).status, 400);
}

TEST_F(SimStateTest, UpdateOfMoreThan100RecordsIsRefusedWhole) {
  Json data = Json::array();
  for (int i = 0; i < 101; ++i) data.push_back({{"id", "1"}, {"Subject", "x"}});
  const Reply reply = state_.CrmUpdateRecords("Tasks", {{"data", data}}, "ann@example.com", kStart);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body["code"], "LIMIT_EXCEEDED");
}

TEST_F(SimStateTest, ExpiredTokensAreRefusedAndAFreshOneIsMinted) {
  const std::string old_token = Mint(kStart).body["access_token"];
  EXPECT_EQ(state_.ExpireAccessTokens(kStart + absl::Minutes(1)), 1);
  EXPECT_FALSE(state_.Authenticate(old_token, kStart + absl::Minutes(1)).has_value());
  const std::string fresh = Mint(kStart + absl::Minutes(1)).body["access_token"];
  EXPECT_TRUE(state_.Authenticate(fresh, kStart + absl::Minutes(1)).has_value());
}

TEST_F(SimStateTest, ARefusedRecordIsAnsweredInvalidDataAndLeftAsItWas) {
  const std::string id = (*state_.CrmSeedRecord("Tasks", {{"Subject", "Call"}}, kStart))["id"];
  const Reply reply =
      state_.CrmUpdateRecords("Tasks", {{"data", {{{"id", id}, {"Subject", "Call back"}}}}},
                              "ann@example.com", kStart, {id});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body["data"][0]["code"], "INVALID_DATA");
  EXPECT_EQ((*state_.CrmRecord("Tasks", id))["Subject"], "Call");
}

TEST_F(SimStateTest, StrictProjectRefusesTasksOutsideItsSchedule) {
  const std::string portal = state_.ProjectsAddPortal("acme")["id_string"];
  const std::string project = (*state_.ProjectsAddProject(portal, {{"name", "P"},
                                                                   {"start_date", "11-02-2026"},
                                                                   {"end_date", "12-18-2026"},
                                                                   {"strict", true}}))["id_string"];
  EXPECT_EQ(state_
                .ProjectsCreateTask(portal, project, std::nullopt,
                                    {{"name", "in"}, {"end_date", "12-18-2026"}}, "", kStart)
                .status,
            201);
  EXPECT_EQ(state_
                .ProjectsCreateTask(portal, project, std::nullopt,
                                    {{"name", "out"}, {"end_date", "12-19-2026"}}, "", kStart)
                .status,
            400);
  EXPECT_EQ(state_
                .ProjectsCreateTask(portal, project, std::nullopt,
                                    {{"name", "early"}, {"start_date", "11-01-2026"}}, "", kStart)
                .status,
            400);
}

}  // namespace
}  // namespace crmsync::zoho_sim

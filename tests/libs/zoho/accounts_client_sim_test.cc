// AccountsClient against the real zoho-sim process.
#include "gtest/gtest.h"
#include "libs/http/http_client.h"
#include "libs/zoho/accounts_client.h"
#include "libs/zoho/api_error.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::zoho {
namespace {

using crmsync::testing::ZohoSimProcess;

class AccountsClientSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sim = ZohoSimProcess::Start();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    auto refresh = sim_->SeedGrant("client-1", "secret-1", "ann@example.com");
    ASSERT_TRUE(refresh.ok()) << refresh.status();
    refresh_token_ = *refresh;
    accounts_ = std::make_unique<AccountsClient>(http_, sim_->base_url());
  }

  std::unique_ptr<ZohoSimProcess> sim_;
  http::CurlHttpClient http_;
  std::unique_ptr<AccountsClient> accounts_;
  std::string refresh_token_;
  const OAuthClient client_{"client-1", "secret-1"};
};

TEST_F(AccountsClientSimTest, RefreshMintsAWorkingToken) {
  auto token = accounts_->Refresh(client_, refresh_token_);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->api_domain, sim_->base_url());
  EXPECT_EQ(token->expires_in, absl::Hours(1));
  EXPECT_EQ(token->token_type, "Bearer");
  auto users =
      http_.Send({.url = sim_->base_url() + "/crm/v2/users",
                  .headers = {{"Authorization", "Zoho-oauthtoken " + token->access_token}}});
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->status, 200);
}

TEST_F(AccountsClientSimTest, WrongSecretIsInvalidClient) {
  auto token = accounts_->Refresh({"client-1", "wrong"}, refresh_token_);
  EXPECT_TRUE(absl::IsFailedPrecondition(token.status())) << token.status();
  EXPECT_EQ(ZohoErrorCode(token.status()), "invalid_client");
}

TEST_F(AccountsClientSimTest, UnknownRefreshTokenIsInvalidCode) {
  auto token = accounts_->Refresh(client_, "1000.not-a-token");
  EXPECT_TRUE(absl::IsUnauthenticated(token.status())) << token.status();
  EXPECT_EQ(ZohoErrorCode(token.status()), "invalid_code");
}

TEST_F(AccountsClientSimTest, AGrantCodeIsExchangedOnceForARefreshTokenThatMints) {
  auto code = sim_->Control(http::Method::kPost, "/_sim/oauth/grant_codes",
                            {{"client_id", "client-1"},
                             {"user_email", "ann@example.com"},
                             {"scopes", {"ZohoCRM.users.READ"}}});
  ASSERT_TRUE(code.ok()) << code.status();
  auto tokens = accounts_->ExchangeGrantCode(client_, (*code)["code"].get<std::string>());
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(tokens->access.api_domain, sim_->base_url());
  EXPECT_EQ(tokens->access.scope, "ZohoCRM.users.READ");
  EXPECT_TRUE(accounts_->Refresh(client_, tokens->refresh_token).ok());

  auto again = accounts_->ExchangeGrantCode(client_, (*code)["code"].get<std::string>());
  EXPECT_TRUE(absl::IsUnauthenticated(again.status())) << again.status();
  EXPECT_EQ(ZohoErrorCode(again.status()), "invalid_code");
}

TEST_F(AccountsClientSimTest, AGrantCodePastItsMinutesIsInvalidCode) {
  auto code = sim_->Control(http::Method::kPost, "/_sim/oauth/grant_codes",
                            {{"client_id", "client-1"},
                             {"user_email", "ann@example.com"},
                             {"scopes", {"ZohoCRM.users.READ"}},
                             {"expiry_minutes", 3}});
  ASSERT_TRUE(code.ok()) << code.status();
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 180}}).ok());
  auto late = accounts_->ExchangeGrantCode(client_, (*code)["code"].get<std::string>());
  EXPECT_TRUE(absl::IsUnauthenticated(late.status())) << late.status();
  EXPECT_EQ(ZohoErrorCode(late.status()), "invalid_code");
}

TEST_F(AccountsClientSimTest, EleventhMintInTenMinutesIsThrottledUntilTheWindowPasses) {
  for (int i = 1; i <= 10; ++i) {
    auto token = accounts_->Refresh(client_, refresh_token_);
    ASSERT_TRUE(token.ok()) << "mint " << i << ": " << token.status();
  }
  auto eleventh = accounts_->Refresh(client_, refresh_token_);
  EXPECT_TRUE(absl::IsResourceExhausted(eleventh.status())) << eleventh.status();
  EXPECT_EQ(ZohoErrorCode(eleventh.status()), "Access Denied");
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 601}}).ok());
  EXPECT_TRUE(accounts_->Refresh(client_, refresh_token_).ok());
}

TEST_F(AccountsClientSimTest, RevokedRefreshTokenMintsNoMoreAndItsTokensStopWorking) {
  auto token = accounts_->Refresh(client_, refresh_token_);
  ASSERT_TRUE(token.ok()) << token.status();
  ASSERT_TRUE(accounts_->Revoke(refresh_token_).ok());
  auto again = accounts_->Refresh(client_, refresh_token_);
  EXPECT_TRUE(absl::IsUnauthenticated(again.status())) << again.status();
  auto users =
      http_.Send({.url = sim_->base_url() + "/crm/v2/users",
                  .headers = {{"Authorization", "Zoho-oauthtoken " + token->access_token}}});
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->status, 401);
  // Revoking what is already revoked succeeds.
  EXPECT_TRUE(accounts_->Revoke(refresh_token_).ok());
}

TEST_F(AccountsClientSimTest, ExpiredTokenIsRefusedWithInvalidOauthToken) {
  auto token = accounts_->Refresh(client_, refresh_token_);
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 3601}}).ok());
  auto users =
      http_.Send({.url = sim_->base_url() + "/crm/v2/users",
                  .headers = {{"Authorization", "Zoho-oauthtoken " + token->access_token}}});
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->status, 401);
  EXPECT_NE(users->body.find("INVALID_OAUTHTOKEN"), std::string::npos);
}

TEST_F(AccountsClientSimTest, ServerErrorsAreUnavailable) {
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults",
                            {{"error_5xx_share", 1.0}, {"path_prefix", "/oauth"}})
                  .ok());
  auto token = accounts_->Refresh(client_, refresh_token_);
  EXPECT_TRUE(absl::IsUnavailable(token.status())) << token.status();
  EXPECT_TRUE(absl::IsUnavailable(accounts_->Revoke(refresh_token_)));
}

TEST_F(AccountsClientSimTest, UnreachableServerIsUnavailable) {
  AccountsClient nowhere(http_, "http://127.0.0.1:1");
  EXPECT_TRUE(absl::IsUnavailable(nowhere.Refresh(client_, refresh_token_).status()));
}

}  // namespace
}  // namespace crmsync::zoho

#include "services/auth/grant.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmsync::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(Scopes, ZohoScopesAreAccepted) {
  for (const char* scope : {"ZohoCRM.modules.tasks.ALL", "ZohoProjects.tasks.ALL",
                            "ZohoCRM.users.READ", "ZohoCRM.settings.fields.READ"}) {
    EXPECT_TRUE(CheckScope("scopes[0]", scope).ok()) << scope;
  }
}

TEST(Scopes, MalformedScopesAreRefusedNamingTheField) {
  for (const char* scope :
       {"", "ZohoCRM", "ZohoCRM.ALL", "ZohoCRM.modules.tasks.all", "ZohoCRM..tasks.ALL",
        "1Zoho.tasks.ALL", "ZohoCRM.modules tasks.ALL", "ZohoCRM.modules.tasks.ALL."}) {
    absl::Status status = CheckScope("scopes[2]", scope);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << scope;
    EXPECT_THAT(std::string(status.message()), ::testing::StartsWith("scopes[2]: ")) << scope;
  }
}

TEST(Scopes, NormalizedScopesAreSortedAndUnique) {
  auto scopes = NormalizeScopes(
      "scopes", {"ZohoCRM.users.READ", "ZohoCRM.modules.tasks.ALL", "ZohoCRM.users.READ"});
  ASSERT_TRUE(scopes.ok());
  EXPECT_THAT(*scopes, ElementsAre("ZohoCRM.modules.tasks.ALL", "ZohoCRM.users.READ"));
  EXPECT_FALSE(NormalizeScopes("scopes", {}).ok());
}

TEST(Scopes, MissingScopeNamesTheFirstNotGranted) {
  std::vector<std::string> granted = {"ZohoCRM.modules.tasks.ALL", "ZohoCRM.users.READ"};
  EXPECT_EQ(MissingScope(granted, {"ZohoCRM.users.READ"}), std::nullopt);
  EXPECT_EQ(MissingScope(granted, {"ZohoCRM.users.READ", "ZohoCRM.modules.deals.ALL"}),
            "ZohoCRM.modules.deals.ALL");
}

TEST(BaseUrl, HttpsHostsAreAcceptedWithoutPath) {
  EXPECT_TRUE(CheckBaseUrl("f", "https://accounts.zoho.eu", false).ok());
  EXPECT_TRUE(CheckBaseUrl("f", "https://accounts.zoho.com/", false).ok());
  EXPECT_TRUE(CheckBaseUrl("f", "https://accounts.zoho.com:8443", false).ok());
  EXPECT_FALSE(CheckBaseUrl("f", "https://accounts.zoho.com/oauth/v2", false).ok());
  EXPECT_FALSE(CheckBaseUrl("f", "https://user@accounts.zoho.com", false).ok());
  EXPECT_FALSE(CheckBaseUrl("f", "https://accounts.zoho.com:0", false).ok());
  EXPECT_FALSE(CheckBaseUrl("f", "accounts.zoho.com", false).ok());
  EXPECT_FALSE(CheckBaseUrl("f", "", false).ok());
}

TEST(BaseUrl, PlainHttpOnlyOnLoopbackWhenAllowed) {
  EXPECT_FALSE(CheckBaseUrl("f", "http://127.0.0.1:8080", false).ok());
  EXPECT_TRUE(CheckBaseUrl("f", "http://127.0.0.1:8080", true).ok());
  EXPECT_TRUE(CheckBaseUrl("f", "http://localhost:8080", true).ok());
  EXPECT_TRUE(CheckBaseUrl("f", "http://[::1]:8080", true).ok());
  absl::Status status = CheckBaseUrl("accounts_server_url", "http://accounts.zoho.eu", true);
  EXPECT_THAT(std::string(status.message()), HasSubstr("accounts_server_url: must use https"));
  EXPECT_FALSE(CheckBaseUrl("f", "http://127.0.0.1.evil.com", true).ok());
}

TEST(Fields, PortalIdsEmailsAndCredentials) {
  EXPECT_TRUE(CheckPortalId("portal_id", "20081234567").ok());
  EXPECT_FALSE(CheckPortalId("portal_id", "").ok());
  EXPECT_FALSE(CheckPortalId("portal_id", std::string(65, '1')).ok());
  EXPECT_FALSE(CheckPortalId("portal_id", "12/3").ok());
  EXPECT_TRUE(CheckEmail("owner_email", "george@example.com").ok());
  EXPECT_FALSE(CheckEmail("owner_email", "george").ok());
  EXPECT_FALSE(CheckEmail("owner_email", "george@localhost").ok());
  EXPECT_FALSE(CheckEmail("owner_email", "ge orge@example.com").ok());
  absl::Status status = CheckCredential("client_secret", "abc def-secret");
  EXPECT_THAT(std::string(status.message()), ::testing::StartsWith("client_secret: "));
  EXPECT_THAT(std::string(status.message()), ::testing::Not(HasSubstr("secret-")));
}

TEST(Paging, TokenResumesAfterItsKeyForTheSameFilterOnly) {
  GrantFilter all;
  GrantFilter broken{"", GrantState::kBroken};
  std::string token = EncodeGrantPageToken({"p7", Side::kProjects}, all);
  auto key = DecodeGrantPageToken(token, all);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, (GrantKey{"p7", Side::kProjects}));
  EXPECT_THAT(std::string(DecodeGrantPageToken(token, broken).status().message()),
              HasSubstr("page_token"));
  EXPECT_FALSE(DecodeGrantPageToken("!!", all).ok());
  EXPECT_FALSE(DecodeGrantPageToken("YWJj", all).ok());
}

TEST(Paging, PageSizeDefaultsAndCaps) {
  EXPECT_EQ(*EffectivePageSize(0), 50);
  EXPECT_EQ(*EffectivePageSize(7), 7);
  EXPECT_EQ(*EffectivePageSize(10000), 500);
  EXPECT_THAT(std::string(EffectivePageSize(-1).status().message()), HasSubstr("page_size"));
}

}  // namespace
}  // namespace crmsync::auth

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

bool AccountsOk(const std::string& url, bool allow_loopback_http = false) {
  return CheckZohoUrl("f", url, ZohoHostKind::kAccountsServer, allow_loopback_http).ok();
}
bool ApiOk(const std::string& url, bool allow_loopback_http = false) {
  return CheckZohoUrl("f", url, ZohoHostKind::kApiDomain, allow_loopback_http).ok();
}

TEST(ZohoUrl, EveryDataCentresHostsAreAccepted) {
  const std::vector<std::string> accounts = {
      "accounts.zoho.com",    "accounts.zoho.eu", "accounts.zoho.in",
      "accounts.zoho.com.au", "accounts.zoho.jp", "accounts.zohocloud.ca",
      "accounts.zoho.sa",     "accounts.zoho.uk", "accounts.zoho.com.cn"};
  const std::vector<std::string> apis = {
      "www.zohoapis.com",    "www.zohoapis.eu", "www.zohoapis.in",
      "www.zohoapis.com.au", "www.zohoapis.jp", "www.zohoapis.ca",
      "www.zohoapis.sa",     "www.zohoapis.uk", "www.zohoapis.com.cn"};
  for (const std::string& host : accounts) {
    EXPECT_TRUE(AccountsOk("https://" + host)) << host;
    EXPECT_TRUE(AccountsOk("https://" + host + "/")) << host;
    EXPECT_FALSE(ApiOk("https://" + host)) << host;
  }
  for (const std::string& host : apis) {
    EXPECT_TRUE(ApiOk("https://" + host)) << host;
    EXPECT_FALSE(AccountsOk("https://" + host)) << host;
  }
}

TEST(ZohoUrl, OtherHostsSchemesPortsAndTricksAreRefused) {
  for (bool loopback : {false, true}) {
    for (const char* url : {"http://accounts.zoho.com",
                            "https://accounts.zoho.com:443",
                            "https://accounts.zoho.com:8443",
                            "https://accounts.zoho.com@evil.example",
                            "https://evil.example@accounts.zoho.com",
                            "https://user:pw@accounts.zoho.com",
                            "https://accounts.zoho.com.evil.example",
                            "https://evilaccounts.zoho.com",
                            "https://evil.accounts.zoho.com",
                            "https://accounts.zoho.co",
                            "https://accounts.zoho.com.",
                            "https://ACCOUNTS.ZOHO.COM",
                            "https://accounts.zoho.com/oauth/v2",
                            "https://accounts.zoho.com?x=1",
                            "https://accounts.zoho.com#x",
                            "https://accounts.zoho.com\\@evil.example",
                            "accounts.zoho.com",
                            "ftp://accounts.zoho.com",
                            "https://evil.example",
                            "https://127.0.0.1.evil.example",
                            "http://localhost.evil.example:8080",
                            ""}) {
      EXPECT_FALSE(AccountsOk(url, loopback)) << url << " loopback " << loopback;
    }
  }
  EXPECT_FALSE(ApiOk("https://www.zohoapis.com.evil.example"));
  EXPECT_FALSE(ApiOk("https://zohoapis.com"));
}

TEST(ZohoUrl, RefusalNamesTheFieldAndTheAcceptedHosts) {
  absl::Status status =
      CheckZohoUrl("accounts_server_url", "https://accounts.zoho.com.evil.example",
                   ZohoHostKind::kAccountsServer, false);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("accounts_server_url: must be https:// and one of Zoho's accounts servers "
                        "(accounts.zoho.com, accounts.zoho.eu, accounts.zoho.in, "
                        "accounts.zoho.com.au, accounts.zoho.jp, accounts.zohocloud.ca, "
                        "accounts.zoho.sa, accounts.zoho.uk, accounts.zoho.com.cn), without a "
                        "port, path, query or credentials"));
  status = CheckZohoUrl("api_domain", "https://evil.example", ZohoHostKind::kApiDomain, true);
  EXPECT_THAT(std::string(status.message()), HasSubstr("api_domain: must be https://"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("www.zohoapis.com.cn), without a port, path, "
                        "query or credentials, or a loopback host"));
}

TEST(ZohoUrl, LoopbackHostsOnlyWhenAllowed) {
  for (const char* url : {"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080",
                          "https://127.0.0.1:8443", "http://127.0.0.1"}) {
    EXPECT_FALSE(AccountsOk(url)) << url;
    EXPECT_FALSE(ApiOk(url)) << url;
    EXPECT_TRUE(AccountsOk(url, true)) << url;
    EXPECT_TRUE(ApiOk(url, true)) << url;
  }
  for (const char* url :
       {"http://127.0.0.1:8080/path", "http://127.0.0.1:8080?q", "http://127.0.0.1#x",
        "http://user@127.0.0.1:8080", "http://127.0.0.1:8080@evil.example",
        "http://localhost@evil.example", "http://[::1]:8080/x", "ftp://127.0.0.1:8080"}) {
    EXPECT_FALSE(AccountsOk(url, true)) << url;
  }
  EXPECT_FALSE(AccountsOk("http://127.0.0.1:0", true));
  EXPECT_FALSE(AccountsOk("http://128.0.0.1:8080", true));
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

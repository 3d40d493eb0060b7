// What CRMSYNC_BOOTSTRAP_ADMIN_TOKEN and CRMSYNC_SERVICE_TOKENS give, and the one-line refusal of
// a malformed value, which never carries a secret.
#include "services/auth/environment_tokens.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmsync::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kAdmin[] = "admin-secret-0123456789abcdefghijkl";
constexpr char kSync[] = "sync-secret-0123456789abcdefghijklm";
constexpr char kMapping[] = "mapping:secret:0123456789abcdefghijk";  // a secret may hold ':'
constexpr char kUpperSecret[] = "Upper_Secret_0123456789abcdefghijk";

MATCHER_P4(IsToken, id, name, role, secret, "") {
  return arg.caller_token_id == id && arg.caller_name == name && arg.role == role &&
         arg.secret == secret;
}

TEST(EnvironmentTokens, AdminAndServicesEachGiveATokenOfTheirRole) {
  auto tokens =
      ParseEnvironmentTokens(kAdmin, absl::StrCat("sync:", kSync, ",mapping-2:", kMapping));
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_THAT(
      *tokens,
      ElementsAre(IsToken("bootstrap-admin", "bootstrap-admin", CallerRole::kAdmin, kAdmin),
                  IsToken("service-sync", "sync", CallerRole::kService, kSync),
                  IsToken("service-mapping-2", "mapping-2", CallerRole::kService, kMapping)));
}

TEST(EnvironmentTokens, EmptyVariablesGiveNone) {
  auto tokens = ParseEnvironmentTokens("", "");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_TRUE(tokens->empty());
}

TEST(EnvironmentTokens, MalformedValuesAreRefusedNamingTheVariableAndNeverASecret) {
  const std::string short_secret = "short-secret-0123456789abcdefgh";  // 31 characters
  ASSERT_EQ(short_secret.size(), 31u);
  const std::string name_like_secret = "0123456789abcdef0123456789abcdef";
  struct Case {
    std::string admin;
    std::string services;
    std::string variable;
    std::string problem;
    std::vector<std::string> secrets;  // none may show
  };
  const std::vector<Case> cases = {
      {short_secret, "", "CRMSYNC_BOOTSTRAP_ADMIN_TOKEN", "32 to 1024 characters", {short_secret}},
      {std::string(1025, 'a'),
       "",
       "CRMSYNC_BOOTSTRAP_ADMIN_TOKEN",
       "32 to 1024 characters",
       {std::string(1025, 'a')}},
      {absl::StrCat(kAdmin, "\n"), "", "CRMSYNC_BOOTSTRAP_ADMIN_TOKEN", "visible ASCII", {kAdmin}},
      {"",
       absl::StrCat("sync:", short_secret),
       "CRMSYNC_SERVICE_TOKENS",
       "entry 1 of 1: the secret must be 32 to 1024",
       {short_secret}},
      {"",
       absl::StrCat("sync:", kSync, ",", kAdmin),
       "CRMSYNC_SERVICE_TOKENS",
       "entry 2 of 2 is not name:secret",
       {kSync, kAdmin}},
      // A secret and a name the wrong way round: the name is not echoed either.
      {"",
       absl::StrCat(kUpperSecret, ":sync"),
       "CRMSYNC_SERVICE_TOKENS",
       "entry 1 of 1: the name must be 1 to 50 characters of a-z, 0-9 and -",
       {kUpperSecret}},
      {"",
       absl::StrCat(name_like_secret, ":sync"),
       "CRMSYNC_SERVICE_TOKENS",
       "entry 1 of 1: the secret must be 32",
       {name_like_secret}},
      {"",
       absl::StrCat("Sync:", kSync),
       "CRMSYNC_SERVICE_TOKENS",
       "entry 1 of 1: the name",
       {kSync}},
      {"", absl::StrCat(":", kSync), "CRMSYNC_SERVICE_TOKENS", "entry 1 of 1: the name", {kSync}},
      {"",
       absl::StrCat(std::string(51, 'a'), ":", kSync),
       "CRMSYNC_SERVICE_TOKENS",
       "entry 1 of 1: the name",
       {kSync}},
      {"",
       absl::StrCat("sync:", kSync, ","),
       "CRMSYNC_SERVICE_TOKENS",
       "entry 2 of 2 is not name:secret",
       {kSync}},
      {"",
       absl::StrCat("sync:", kSync, ",sync:", kMapping),
       "CRMSYNC_SERVICE_TOKENS",
       "entry 2 of 2 repeats the name of entry 1",
       {kSync, kMapping}},
      {"",
       absl::StrCat("sync:", kSync, ",notify:", kSync),
       "CRMSYNC_SERVICE_TOKENS",
       "entry 2 of 2 repeats the secret of entry 1",
       {kSync}},
      {kAdmin,
       absl::StrCat("sync:", kAdmin),
       "CRMSYNC_SERVICE_TOKENS",
       "entry 1 of 1 repeats the secret of CRMSYNC_BOOTSTRAP_ADMIN_TOKEN",
       {kAdmin}},
      {"", absl::StrCat("sync:", kSync, " "), "CRMSYNC_SERVICE_TOKENS", "visible ASCII", {kSync}},
  };
  for (const Case& c : cases) {
    auto tokens = ParseEnvironmentTokens(c.admin, c.services);
    ASSERT_EQ(tokens.status().code(), absl::StatusCode::kInvalidArgument)
        << c.variable << " " << c.problem;
    const std::string message(tokens.status().message());
    EXPECT_TRUE(absl::StartsWith(message, c.variable + ": ")) << message;
    EXPECT_THAT(message, HasSubstr(c.problem));
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    for (const std::string& secret : c.secrets) {
      EXPECT_FALSE(absl::StrContains(message, secret)) << message;
    }
    EXPECT_FALSE(absl::StrContains(message, "sync")) << message;
  }
}

}  // namespace
}  // namespace crmsync::auth

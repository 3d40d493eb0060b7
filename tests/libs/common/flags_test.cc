#include "libs/common/flags.h"

#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, test_port, 7, "a port");
ABSL_FLAG(bool, test_once, false, "run once");
ABSL_FLAG(std::string, test_url, "", "a url");
ABSL_FLAG(std::string, test_secret, "", "a secret");
CRMSYNC_ENVIRONMENT_ONLY_FLAG(test_secret);
ABSL_FLAG(std::string, test_secret_file, "", "a file holding the secret");
ABSL_FLAG(std::string, test_dsn, "", "a connection string, maybe with a password");
CRMSYNC_ENVIRONMENT_ONLY_FLAG_IF(test_dsn, [](absl::string_view value) {
  return absl::StrContains(value, "password=");
});

namespace crmsync {
namespace {

absl::StatusOr<CommandLine> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/prog");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

class FlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::SetFlag(&FLAGS_test_port, 7);
    absl::SetFlag(&FLAGS_test_once, false);
    absl::SetFlag(&FLAGS_test_url, "");
    absl::SetFlag(&FLAGS_test_secret, "");
    absl::SetFlag(&FLAGS_test_dsn, "");
    unsetenv("CRMSYNC_TEST_PORT");
    unsetenv("CRMSYNC_TEST_SECRET");
  }
};

TEST_F(FlagsTest, AcceptsEveryForm) {
  ASSERT_TRUE(Parse({"--test_port=9", "--test_once", "--test_url", "postgres://x"}).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_port), 9);
  EXPECT_TRUE(absl::GetFlag(FLAGS_test_once));
  EXPECT_EQ(absl::GetFlag(FLAGS_test_url), "postgres://x");
  ASSERT_TRUE(Parse({"--notest_once"}).ok());
  EXPECT_FALSE(absl::GetFlag(FLAGS_test_once));
}

TEST_F(FlagsTest, EnvironmentGivesTheDefaultAndTheCommandLineWins) {
  setenv("CRMSYNC_TEST_PORT", "11", 1);
  ASSERT_TRUE(Parse({}).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_port), 11);
  ASSERT_TRUE(Parse({"--test_port=12"}).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_port), 12);
}

TEST_F(FlagsTest, BadInputNamesTheProblem) {
  auto unknown = Parse({"--test_prot=9"});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().message(), "unknown flag --test_prot");

  auto bad_value = Parse({"--test_port=ninety"});
  EXPECT_EQ(bad_value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_value.status().message().find("--test_port"), std::string::npos);

  setenv("CRMSYNC_TEST_PORT", "x", 1);
  auto bad_env = Parse({});
  EXPECT_NE(bad_env.status().message().find("CRMSYNC_TEST_PORT"), std::string::npos);

  unsetenv("CRMSYNC_TEST_PORT");
  EXPECT_EQ(Parse({"--test_url"}).status().message(), "flag --test_url needs a value");
}

TEST_F(FlagsTest, ASecretOnTheCommandLineIsRefusedWithoutEchoingIt) {
  for (const auto& args : {std::vector<std::string>{"--test_secret=hunter2-5521"},
                           std::vector<std::string>{"--test_secret", "hunter2-5521"},
                           std::vector<std::string>{"-test_secret=hunter2-5521"}}) {
    auto parsed = Parse(args);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(),
              "--test_secret carries a secret, which every local user can read on a command "
              "line; set it through CRMSYNC_TEST_SECRET or --test_secret_file instead");
  }
  EXPECT_EQ(absl::GetFlag(FLAGS_test_secret), "");
}

TEST_F(FlagsTest, ASecretComesFromTheEnvironment) {
  setenv("CRMSYNC_TEST_SECRET", "hunter2-5521", 1);
  ASSERT_TRUE(Parse({}).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_secret), "hunter2-5521");
}

TEST_F(FlagsTest, AFlagIsRefusedOnlyForTheValuesThatCarryASecret) {
  ASSERT_TRUE(Parse({"--test_dsn=host=db dbname=x"}).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_dsn), "host=db dbname=x");
  auto parsed = Parse({"--test_dsn=host=db password=hunter2-5521"});
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message().find("hunter2"), std::string::npos);
  EXPECT_NE(parsed.status().message().find("CRMSYNC_TEST_DSN instead"), std::string::npos);
}

TEST_F(FlagsTest, HelpListsOwnFlagsWithTheirVariables) {
  auto parsed = Parse({"--help"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->help);
  const std::string usage = Usage("prog: does things");
  EXPECT_NE(usage.find("--test_port (CRMSYNC_TEST_PORT, default \"7\")"), std::string::npos);
  EXPECT_EQ(usage.find("--flagfile"), std::string::npos);
}

}  // namespace
}  // namespace crmsync

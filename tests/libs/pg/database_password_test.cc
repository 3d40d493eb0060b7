// A service binary given a database URL with a password never prints it: not in the usage
// error for a malformed URL, not in the logs while the server refuses the password; and it
// takes such a URL only from its environment, never from the command line.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/support/pg/private_server.h"
#include "tests/support/process/subprocess.h"

namespace crmsync {
namespace {

constexpr char kPassword[] = "S3cretPw";

// notify never serves here, so the auth at --auth_address is never asked and need not run.
std::vector<std::string> NotifyArgs() {
  return {"--grpc_port=0",
          "--metrics_port=0",
          "--listen_host=127.0.0.1",
          "--auth_address=127.0.0.1:1",
          "--smtp_url=smtp://127.0.0.1:1",
          "--mail_from=crmsync@example.com",
          "--health_check_interval=100ms"};
}

TEST(DatabasePassword, AMalformedUrlIsAUsageErrorWithoutThePassword) {
  for (const std::string& url : {absl::StrCat("postgresql://u:", kPassword, "@host:notaport/db"),
                                 absl::StrCat("postgresql://u:", kPassword, "@[::1/db"),
                                 absl::StrCat("postgresql://u:", kPassword, "@host:5432:/db"),
                                 absl::StrCat("host=h password=", kPassword, " port")}) {
    auto notify = testing::Subprocess::Start(absl::StrCat(CRMSYNC_BIN_DIR, "/crmsync-notify"),
                                             NotifyArgs(), {"CRMSYNC_DATABASE_URL=" + url});
    ASSERT_TRUE(notify.ok()) << notify.status();
    const auto exit_code = (*notify)->Wait(absl::Seconds(30));
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(*exit_code, 2) << url;
    const std::string stderr_text = absl::StrJoin((*notify)->StderrLines(), "\n");
    EXPECT_NE(stderr_text.find("--database_url"), std::string::npos) << stderr_text;
    EXPECT_EQ(stderr_text.find(kPassword), std::string::npos) << stderr_text;
  }
}

// Secrets on a command line are readable by every local user (/proc/<pid>/cmdline): each
// binary refuses them there, naming the flag and the variable to use, never echoing them.
TEST(DatabasePassword, ASecretOnTheCommandLineIsAUsageErrorWithoutTheSecret) {
  struct Case {
    std::string binary;
    std::string flag;
    std::string variable;
  };
  const std::string url = absl::StrCat("postgresql://u:", kPassword, "@127.0.0.1:1/db");
  for (const Case& c : {Case{"crmsync-notify", "--database_url=" + url, "CRMSYNC_DATABASE_URL"},
                        Case{"crmsync-notify", absl::StrCat("--smtp_password=", kPassword),
                             "CRMSYNC_SMTP_PASSWORD"},
                        Case{"crmsync-auth", absl::StrCat("--encryption_keys=k1:", kPassword),
                             "CRMSYNC_ENCRYPTION_KEYS or --encryption_keys_file"},
                        Case{"crmsync-auth", absl::StrCat("--caller_token=", kPassword),
                             "CRMSYNC_CALLER_TOKEN"},
                        Case{"crmsync-mapping", absl::StrCat("--caller_token=", kPassword),
                             "CRMSYNC_CALLER_TOKEN"},
                        Case{"crmsync-sync", absl::StrCat("--caller_token=", kPassword),
                             "CRMSYNC_CALLER_TOKEN"},
                        Case{"crmsync-notify", absl::StrCat("--caller_token=", kPassword),
                             "CRMSYNC_CALLER_TOKEN"}}) {
    auto process = testing::Subprocess::Start(absl::StrCat(CRMSYNC_BIN_DIR, "/", c.binary),
                                              {"--database_url=dbname=x", c.flag});
    ASSERT_TRUE(process.ok()) << process.status();
    const auto exit_code = (*process)->Wait(absl::Seconds(30));
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(*exit_code, 2) << c.binary << " " << c.variable;
    const std::string stderr_text = absl::StrJoin((*process)->StderrLines(), "\n");
    EXPECT_NE(stderr_text.find(c.flag.substr(0, c.flag.find('='))), std::string::npos)
        << stderr_text;
    EXPECT_NE(stderr_text.find(absl::StrCat("set it through ", c.variable, " instead")),
              std::string::npos)
        << stderr_text;
    EXPECT_EQ(stderr_text.find(kPassword), std::string::npos) << stderr_text;
  }
}

TEST(DatabasePassword, AWrongPasswordIsLoggedWithoutIt) {
  auto server = testing::PrivateServer::Create();
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string url = absl::StrCat("postgresql://postgres:", kPassword,
                                       "@127.0.0.1:", (*server)->port(), "/postgres");
  auto notify = testing::Subprocess::Start(absl::StrCat(CRMSYNC_BIN_DIR, "/crmsync-notify"),
                                           NotifyArgs(), {"CRMSYNC_DATABASE_URL=" + url});
  ASSERT_TRUE(notify.ok()) << notify.status();
  // The runtime keeps retrying a database that refuses it; its log says why.
  const auto refused = (*notify)->WaitForLine(
      [](const nlohmann::json& line) {
        return line.dump().find("password authentication failed") != std::string::npos;
      },
      absl::Seconds(30));
  ASSERT_TRUE(refused.ok()) << refused.status();
  const auto exit_code = (*notify)->Terminate();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  const std::string stderr_text = absl::StrJoin((*notify)->StderrLines(), "\n");
  EXPECT_EQ(stderr_text.find(kPassword), std::string::npos) << stderr_text;
}

}  // namespace
}  // namespace crmsync

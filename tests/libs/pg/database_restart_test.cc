// crmsync-notify against a PostgreSQL server that restarts, or whose sessions an operator
// terminates, while the service idles: the next calls are answered, none fails on a connection
// that died while idle. The crmsync-auth that judges notify's callers keeps its own database.
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/callers/callers.h"
#include "tests/support/pg/private_server.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"
#include "tests/support/services/crmsync_services.h"

namespace crmsync {
namespace {

constexpr int kCalls = 10;

class NotifyOnPrivateServer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::PrivateServer::Create();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto auth_database = testing::TestDatabase::Create();
    ASSERT_TRUE(auth_database.ok()) << auth_database.status();
    auth_database_ = *std::move(auth_database);
    auth_ = testing::StartAuth(auth_database_->url());
    ASSERT_NE(auth_.channel, nullptr);
    // Nothing in the background touches the database between the test's calls: the health
    // check and the senders wait an hour between rounds.
    auto notify = testing::Subprocess::Start(
        absl::StrCat(CRMSYNC_BIN_DIR, "/crmsync-notify"),
        {"--grpc_port=0", "--metrics_port=0", "--listen_host=127.0.0.1",
         "--auth_address=" + auth_.address, "--mail_transport=file",
         "--mail_dir=" + ::testing::TempDir() + "/mail", "--senders=1", "--send_idle_poll=1h",
         "--queue_metrics_interval=1h", "--health_check_interval=1h", "--database_pool_size=4"},
        {"CRMSYNC_DATABASE_URL=" + server_->url()});
    ASSERT_TRUE(notify.ok()) << notify.status();
    notify_ = *std::move(notify);
    auto listening = notify_->WaitForLine(
        [](const auto& line) { return line.value("msg", "") == "listening"; }, absl::Seconds(20));
    ASSERT_TRUE(listening.ok()) << listening.status();
    stub_ = notify::v1::NotifyService::NewStub(
        testing::AdminChannel(absl::StrCat("127.0.0.1:", (*listening)["grpc_port"].get<int>())));
    ASSERT_TRUE(
        notify_
            ->WaitForLine([](const auto& line) { return line.value("msg", "") == "serving"; },
                          absl::Seconds(30))
            .ok());
  }

  // kCalls ListNotifications calls, each on its own; the failures' messages.
  std::vector<std::string> FailedCalls() {
    std::vector<std::string> failures;
    for (int i = 0; i < kCalls; ++i) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
      notify::v1::ListNotificationsRequest request;
      notify::v1::ListNotificationsResponse response;
      const grpc::Status status = stub_->ListNotifications(&context, request, &response);
      if (!status.ok()) {
        failures.push_back(
            absl::StrCat("call ", i, ": ", status.error_code(), " ", status.error_message()));
      }
    }
    return failures;
  }

  std::unique_ptr<testing::PrivateServer> server_;
  std::unique_ptr<testing::TestDatabase> auth_database_;
  testing::ServingBinary auth_;
  std::unique_ptr<testing::Subprocess> notify_;
  std::unique_ptr<notify::v1::NotifyService::Stub> stub_;
};

TEST_F(NotifyOnPrivateServer, NoCallFailsAfterPostgresRestarts) {
  ASSERT_TRUE(FailedCalls().empty());
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_EQ(FailedCalls(), std::vector<std::string>{});
}

TEST_F(NotifyOnPrivateServer, NoCallFailsAfterItsSessionsAreTerminated) {
  ASSERT_TRUE(FailedCalls().empty());
  ASSERT_TRUE(server_->TerminateSessions("crmsync-notify").ok());
  EXPECT_EQ(FailedCalls(), std::vector<std::string>{});
}

}  // namespace
}  // namespace crmsync

// The fixture of notify's integration tests: a fresh database and mail folder per test, the
// crmsync-auth binary that judges notify's callers, and the crmsync-notify binary started against
// them, with helpers to call it (with the SERVICE test token, as sync and auth do) and wait on its
// state.
#ifndef CRMSYNC_TESTS_SERVICES_NOTIFY_NOTIFY_FIXTURE_H_
#define CRMSYNC_TESTS_SERVICES_NOTIFY_NOTIFY_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "libs/http/http_client.h"
#include "tests/support/callers/callers.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"
#include "tests/support/services/crmsync_services.h"

namespace crmsync::notify {

class NotifyIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = crmsync::testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    mail_dir_ = (std::filesystem::temp_directory_path() /
                 absl::StrCat("crmsync_notify_it_", getpid(), "_", database_->name()))
                    .string();
    std::filesystem::create_directories(mail_dir_);
    auth_ = crmsync::testing::StartAuth(database_->url());
    ASSERT_NE(auth_.channel, nullptr);
  }
  void TearDown() override { std::filesystem::remove_all(mail_dir_); }

  // Starts crmsync-notify sending to the sink on `smtp_port` (plain SMTP unless `extra` sets
  // another --smtp_url); waits until it serves unless `wait_until_serving` is false.
  void StartNotify(int smtp_port, std::vector<std::string> extra = {},
                   bool wait_until_serving = true, std::vector<std::string> env = {}) {
    std::vector<std::string> args = {"--database_url=" + database_->url(),
                                     "--grpc_port=0",
                                     "--metrics_port=0",
                                     "--listen_host=127.0.0.1",
                                     "--auth_address=" + auth_.address,
                                     absl::StrCat("--smtp_url=smtp://127.0.0.1:", smtp_port),
                                     "--smtp_connect_timeout=1s",
                                     "--smtp_timeout=5s",
                                     "--send_idle_poll=50ms",
                                     "--retry_initial_backoff=200ms",
                                     "--retry_max_backoff=1s",
                                     "--max_send_attempts=100",
                                     "--send_lease=3s",
                                     "--send_batch=4",
                                     "--mail_from=crmsync@example.com",
                                     "--queue_metrics_interval=100ms",
                                     "--drain_timeout=1s"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto process = crmsync::testing::Subprocess::Start(
        absl::StrCat(CRMSYNC_BIN_DIR, "/crmsync-notify"), args, env);
    ASSERT_TRUE(process.ok()) << process.status();
    notify_ = *std::move(process);
    auto line = notify_->WaitForLine(
        [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; },
        absl::Seconds(20));
    ASSERT_TRUE(line.ok()) << line.status();
    const int port = (*line)["grpc_port"].get<int>();
    metrics_port_ = (*line)["metrics_port"].get<int>();
    stub_ = v1::NotifyService::NewStub(
        crmsync::testing::ServiceChannel(absl::StrCat("127.0.0.1:", port)));
    // Health turns SERVING once the schema is migrated; callers wait for it, as probes do.
    if (wait_until_serving) WaitUntilServing();
  }

  void WaitUntilServing() {
    ASSERT_TRUE(
        notify_
            ->WaitForLine([](const nlohmann::json& j) { return j.value("msg", "") == "serving"; },
                          absl::Seconds(20))
            .ok());
  }

  // NotifyFailure, retried while the service is still migrating.
  v1::NotifyFailureResponse Notify(const v1::NotifyFailureRequest& request) {
    v1::NotifyFailureResponse response;
    grpc::Status status;
    for (int i = 0; i < 100; ++i) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      status = stub_->NotifyFailure(&context, request, &response);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::Notification Get(const std::string& failure_id) {
    v1::GetNotificationRequest request;
    request.set_failure_id(failure_id);
    v1::GetNotificationResponse response;
    grpc::ClientContext context;
    auto status = stub_->GetNotification(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.notification();
  }

  // Waits until the notification of `failure_id` reaches `state`.
  bool WaitForState(const std::string& failure_id, v1::NotificationState state,
                    absl::Duration timeout = absl::Seconds(30)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (Get(failure_id).state() == state) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << failure_id << " never reached " << v1::NotificationState_Name(state)
                  << "; it is " << Get(failure_id).DebugString();
    return false;
  }

  // Waits until the notification of `failure_id` has been tried at least twice and waits for its
  // next attempt; returns it as last seen.
  v1::Notification WaitForRetries(const std::string& failure_id) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    v1::Notification n;
    while (absl::Now() < deadline) {
      n = Get(failure_id);
      if (n.attempts() >= 2 && n.state() == v1::NOTIFICATION_STATE_PENDING) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_GE(n.attempts(), 2) << n.DebugString();
    return n;
  }

  std::unique_ptr<crmsync::testing::TestDatabase> database_;
  crmsync::testing::ServingBinary auth_;
  std::string mail_dir_;
  std::unique_ptr<crmsync::testing::Subprocess> notify_;
  // The service's /metrics page.
  std::string Metrics() {
    http::CurlHttpClient client;
    auto response =
        client.Send({.url = absl::StrCat("http://127.0.0.1:", metrics_port_, "/metrics")});
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->body : "";
  }

  std::unique_ptr<v1::NotifyService::Stub> stub_;
  int metrics_port_ = 0;
};

}  // namespace crmsync::notify

#endif  // CRMSYNC_TESTS_SERVICES_NOTIFY_NOTIFY_FIXTURE_H_

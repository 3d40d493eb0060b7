// crmsync-notify's email queue under faults, with the real binary, a real PostgreSQL and a real
// SMTP server (smtp_sink.py): a server slower than the lease, a process killed mid-send, and a
// stop during a send. What the mailbox holds is what the tests check.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "services/notify/notification.h"
#include "tests/services/notify/seeds.h"
#include "tests/services/notify/smtp_sink.h"
#include "tests/support/pg/test_database.h"

namespace crmsync::notify {
namespace {

class NotifyQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = crmsync::testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("crmsync_notify_queue_it_", getpid(), "_", database_->name()))
               .string();
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Starts crmsync-notify sending to the sink on `smtp_port` and waits until it serves.
  void StartNotify(int smtp_port, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--database_url=" + database_->url(),
                                     "--grpc_port=0",
                                     "--metrics_port=0",
                                     "--listen_host=127.0.0.1",
                                     absl::StrCat("--smtp_url=smtp://127.0.0.1:", smtp_port),
                                     "--smtp_connect_timeout=1s",
                                     "--send_idle_poll=50ms",
                                     "--retry_initial_backoff=200ms",
                                     "--retry_max_backoff=1s",
                                     "--mail_from=crmsync@example.com"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto process =
        crmsync::testing::Subprocess::Start(absl::StrCat(CRMSYNC_BIN_DIR, "/crmsync-notify"), args);
    ASSERT_TRUE(process.ok()) << process.status();
    notify_ = *std::move(process);
    auto line = notify_->WaitForLine(
        [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; },
        absl::Seconds(20));
    ASSERT_TRUE(line.ok()) << line.status();
    stub_ = v1::NotifyService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*line)["grpc_port"].get<int>()),
                            grpc::InsecureChannelCredentials()));
    ASSERT_TRUE(
        notify_
            ->WaitForLine([](const nlohmann::json& j) { return j.value("msg", "") == "serving"; },
                          absl::Seconds(20))
            .ok());
  }

  void Notify(const v1::NotifyFailureRequest& request) {
    v1::NotifyFailureResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    const grpc::Status status = stub_->NotifyFailure(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
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
                    absl::Duration timeout = absl::Seconds(60)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (Get(failure_id).state() == state) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << failure_id << " never reached " << v1::NotificationState_Name(state)
                  << "; it is " << Get(failure_id).DebugString();
    return false;
  }

  std::unique_ptr<crmsync::testing::TestDatabase> database_;
  std::string dir_;
  std::unique_ptr<crmsync::testing::Subprocess> notify_;
  std::unique_ptr<v1::NotifyService::Stub> stub_;
};

// Waits until `sink` has been asked to deliver to `address` `count` times in all.
bool WaitForRcpt(SmtpSink& sink, const std::string& address, int count = 1) {
  int seen = 0;
  auto line = sink.process->WaitForLine(
      [&](const nlohmann::json& j) {
        return j.value("msg", "") == "rcpt" && j.value("address", "") == address && ++seen == count;
      },
      absl::Seconds(30));
  EXPECT_TRUE(line.ok()) << line.status();
  return line.ok();
}

// 8 notifications claimed in one batch, each email taking 1.5 s against a 3 s lease: two
// senders share them, and each email arrives once.
TEST_F(NotifyQueueTest, ASmtpServerSlowerThanTheLeaseGetsEachEmailOnce) {
  const std::string box = dir_ + "/box";
  auto sink = SmtpSink::Start(box, 0, /*delay_seconds=*/1.5);
  ASSERT_TRUE(sink);
  StartNotify(sink->port,
              {"--senders=2", "--send_batch=8", "--send_lease=3s", "--smtp_timeout=5s"});
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) {
    ids.push_back(absl::StrCat("failure-slow-", i));
    Notify(testing::GeorgeDueDate(ids.back()));
  }
  for (const auto& id : ids) ASSERT_TRUE(WaitForState(id, v1::NOTIFICATION_STATE_SENT));
  // Every email is SENT only once the server accepted it, so the mailbox is complete now.
  std::multiset<std::string> message_ids;
  for (const auto& mail : Mailbox(box)) {
    message_ids.insert(testing::Header(mail.data, "Message-ID"));
  }
  EXPECT_EQ(message_ids.size(), 8u);
  EXPECT_EQ(std::set<std::string>(message_ids.begin(), message_ids.end()).size(), 8u);
}

// Killed while the server is still answering RCPT TO (nothing accepted yet): after a restart the
// email is taken over once its lease ends, and sent once.
TEST_F(NotifyQueueTest, ANotifyKilledMidSendHasItsEmailTakenOverAndSentOnce) {
  const std::string box = dir_ + "/box";
  auto sink = SmtpSink::Start(box, 0, 0, {"--rcpt_delay=2"});
  ASSERT_TRUE(sink);
  const std::vector<std::string> flags = {"--senders=1", "--send_lease=2s", "--smtp_timeout=3s"};
  StartNotify(sink->port, flags);
  Notify(testing::LindaReopen());
  ASSERT_TRUE(WaitForRcpt(*sink, "linda@example.com"));
  ASSERT_EQ(kill(notify_->pid(), SIGKILL), 0);
  ASSERT_TRUE(notify_->Wait(absl::Seconds(10)).ok());

  StartNotify(sink->port, flags);
  ASSERT_TRUE(WaitForState("failure-linda-1", v1::NOTIFICATION_STATE_SENT));
  EXPECT_EQ(Get("failure-linda-1").attempts(), 2);  // the killed attempt, then the takeover
  EXPECT_EQ(MailsWithId(box, MessageIdFor("failure-linda-1")).size(), 1u);
  EXPECT_EQ(Mailbox(box).size(), 1u);
}

// SIGTERM while the server takes its time: the transfer is abandoned, the process exits within
// the drain timeout and 2 s, the email is given back with no attempt counted, and after a restart
// it goes out once.
TEST_F(NotifyQueueTest, AStopDuringASlowSendExitsInTimeAndTheEmailGoesOutOnceAfterRestart) {
  const std::string slow_box = dir_ + "/slow";
  auto slow = SmtpSink::Start(slow_box, 0, 0, {"--rcpt_delay=60"});
  ASSERT_TRUE(slow);
  StartNotify(slow->port, {"--senders=1", "--smtp_timeout=90s", "--drain_timeout=2s"});
  Notify(testing::GeorgeDueDate());
  ASSERT_TRUE(WaitForRcpt(*slow, "george@example.com"));
  auto exit = notify_->Terminate(absl::Seconds(2 + 2));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(*exit, 0);

  const std::string box = dir_ + "/box";
  auto sink = SmtpSink::Start(box);
  ASSERT_TRUE(sink);
  StartNotify(sink->port, {"--senders=1", "--smtp_timeout=5s"});
  ASSERT_TRUE(WaitForState("failure-george-1", v1::NOTIFICATION_STATE_SENT));
  EXPECT_EQ(Get("failure-george-1").attempts(), 1);
  EXPECT_EQ(MailsWithId(box, MessageIdFor("failure-george-1")).size(), 1u);
  EXPECT_TRUE(Mailbox(slow_box).empty());
}

}  // namespace
}  // namespace crmsync::notify

// crmsync-notify's email queue under faults, with the real binary, a real PostgreSQL and a real
// SMTP server (smtp_sink.py): a server slower than the lease, a process killed mid-send, and a
// stop during a send. What the mailbox holds is what the tests check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "services/notify/notification.h"
#include "tests/services/notify/notify_fixture.h"
#include "tests/services/notify/seeds.h"
#include "tests/services/notify/smtp_sink.h"

namespace crmsync::notify {
namespace {

// The integration fixture, with flags that each test sets for its fault (later flags win).
using NotifyQueueTest = NotifyIntegrationTest;

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
  const std::string box = mail_dir_ + "/box";
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
  const std::string box = mail_dir_ + "/box";
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
  const std::string slow_box = mail_dir_ + "/slow";
  auto slow = SmtpSink::Start(slow_box, 0, 0, {"--rcpt_delay=60"});
  ASSERT_TRUE(slow);
  StartNotify(slow->port, {"--senders=1", "--smtp_timeout=90s", "--drain_timeout=2s"});
  Notify(testing::GeorgeDueDate());
  ASSERT_TRUE(WaitForRcpt(*slow, "george@example.com"));
  auto exit = notify_->Terminate(absl::Seconds(2 + 2));
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(*exit, 0);

  const std::string box = mail_dir_ + "/box";
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

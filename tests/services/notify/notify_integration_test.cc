// The crmsync-notify binary against a real PostgreSQL and a real SMTP server (aiosmtpd, see
// smtp_sink.py): what arrives in the mailbox is what the test checks.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "libs/http/http_client.h"
#include "services/notify/notification.h"
#include "tests/services/notify/mime.h"
#include "tests/services/notify/notify_fixture.h"
#include "tests/services/notify/seeds.h"
#include "tests/services/notify/smtp_sink.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"

namespace crmsync::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A self-signed certificate for 127.0.0.1 in `dir`: returns {cert, key} paths.
std::pair<std::string, std::string> MakeCertificate(const std::string& dir) {
  const std::string cert = dir + "/cert.pem";
  const std::string key = dir + "/key.pem";
  const std::string command = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext "
      "subjectAltName=IP:127.0.0.1 -keyout ",
      key, " -out ", cert, " >/dev/null 2>&1");
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return {cert, key};
}

TEST_F(NotifyIntegrationTest, GeorgeAndLindaEachGetTheirEmailOnce) {
  auto sink = SmtpSink::Start(mail_dir_);
  ASSERT_TRUE(sink);
  StartNotify(sink->port);
  EXPECT_FALSE(Notify(testing::GeorgeDueDate()).duplicate());
  EXPECT_FALSE(Notify(testing::LindaReopen()).duplicate());
  ASSERT_TRUE(WaitForState("failure-george-1", v1::NOTIFICATION_STATE_SENT));
  ASSERT_TRUE(WaitForState("failure-linda-1", v1::NOTIFICATION_STATE_SENT));
  // A repeat after delivery changes nothing and sends nothing.
  EXPECT_TRUE(Notify(testing::GeorgeDueDate()).duplicate());
  absl::SleepFor(absl::Milliseconds(500));

  const auto george = MailsWithId(mail_dir_, MessageIdFor("failure-george-1"));
  ASSERT_EQ(george.size(), 1u);
  EXPECT_EQ(george[0].rcpt_to, "george@example.com");
  EXPECT_EQ(testing::Header(george[0].data, "To"), "\"George Miller\" <george@example.com>");
  EXPECT_EQ(testing::Header(george[0].data, "Subject"),
            "Your due date change to \"Map legacy customer fields\" was not applied");
  const std::string george_text = testing::Part(george[0].data, "text/plain");
  EXPECT_THAT(george_text, HasSubstr("set End Date to 2027-01-08 in Zoho CRM"));
  EXPECT_THAT(george_text, HasSubstr("its schedule runs from 2026-11-02 to 2026-12-18"));
  EXPECT_THAT(testing::Part(george[0].data, "text/html"), HasSubstr("<b>Data Migration</b>"));

  const auto linda = MailsWithId(mail_dir_, MessageIdFor("failure-linda-1"));
  ASSERT_EQ(linda.size(), 1u);
  EXPECT_EQ(linda[0].rcpt_to, "linda@example.com");
  EXPECT_EQ(testing::Header(linda[0].data, "Subject"),
            "Your reopening of \"Verify imported contacts\" was not applied");
  EXPECT_THAT(testing::Part(linda[0].data, "text/plain"),
              HasSubstr("its parent task \"Contact import\" is closed in Zoho Projects"));
  EXPECT_EQ(Mailbox(mail_dir_).size(), 2u);
  EXPECT_EQ(Get("failure-george-1").attempts(), 1);

  absl::SleepFor(absl::Milliseconds(300));  // a queue metrics refresh
  const std::string metrics = Metrics();
  EXPECT_THAT(metrics, HasSubstr("crmsync_notify_send_attempts_total{result=\"sent\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("crmsync_notify_notifications_created_total{kind=\""
                                 "due_date_beyond_strict_schedule\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("crmsync_work_queue_completions_total{queue=\"email\","
                                 "result=\"done\"} 2"));
  EXPECT_THAT(metrics, HasSubstr("crmsync_work_queue_items{queue=\"email\",state=\"pending\"} 0"));
  EXPECT_THAT(metrics, HasSubstr("crmsync_notify_send_seconds_count 2"));
}

TEST_F(NotifyIntegrationTest, A451IsRetriedAndA550IsDeadWithTheServersReason) {
  auto sink =
      SmtpSink::Start(mail_dir_, 0, 0, {"--tempfail_first=2", "--refuse_rcpt=nobody@example.com"});
  ASSERT_TRUE(sink);
  StartNotify(sink->port);
  Notify(testing::GeorgeDueDate());
  ASSERT_TRUE(WaitForState("failure-george-1", v1::NOTIFICATION_STATE_SENT));
  EXPECT_EQ(Get("failure-george-1").attempts(), 3);
  EXPECT_EQ(MailsWithId(mail_dir_, MessageIdFor("failure-george-1")).size(), 1u);

  auto nobody = testing::LindaReopen();
  nobody.mutable_recipient()->set_email("nobody@example.com");
  Notify(nobody);
  ASSERT_TRUE(WaitForState("failure-linda-1", v1::NOTIFICATION_STATE_DEAD));
  const auto dead = Get("failure-linda-1");
  EXPECT_EQ(dead.attempts(), 1);
  EXPECT_THAT(dead.last_error(), HasSubstr("550"));
  EXPECT_TRUE(MailsWithId(mail_dir_, MessageIdFor("failure-linda-1")).empty());
}

TEST_F(NotifyIntegrationTest, BadMailFlagsAreUsageErrorsThatNameTheFlag) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--smtp_url=smtp://crmsync:hunter2-secret@127.0.0.1:25", "--smtp_url"},
      {"--smtp_url=http://127.0.0.1:25", "--smtp_url"},
      {"--mail_transport=pigeon", "--mail_transport"},
      {"--senders=0", "--senders"},
      {"--templates_dir=/nonexistent/templates", "--templates_dir"},
  };
  for (const auto& [flag, name] : cases) {
    auto process = crmsync::testing::Subprocess::Start(
        absl::StrCat(CRMSYNC_BIN_DIR, "/crmsync-notify"),
        {"--database_url=" + database_->url(), "--grpc_port=0", "--metrics_port=0", flag});
    ASSERT_TRUE(process.ok());
    EXPECT_EQ(*(*process)->Wait(absl::Seconds(10)), 2) << flag;
    std::string err;
    for (const auto& line : (*process)->StderrLines()) err += line;
    EXPECT_THAT(err, HasSubstr(name)) << flag;
    EXPECT_THAT(err, Not(HasSubstr("hunter2"))) << flag;
  }
}

TEST_F(NotifyIntegrationTest, FailuresForOneRecipientWithinTheWindowArriveAsOneDigest) {
  auto sink = SmtpSink::Start(mail_dir_);
  ASSERT_TRUE(sink);
  StartNotify(sink->port, {"--digest_window=1500ms"});
  for (int i = 0; i < 3; ++i) Notify(testing::GeorgeDueDate(absl::StrCat("failure-d-", i)));
  Notify(testing::LindaReopen());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(WaitForState(absl::StrCat("failure-d-", i), v1::NOTIFICATION_STATE_SENT));
  }
  ASSERT_TRUE(WaitForState("failure-linda-1", v1::NOTIFICATION_STATE_SENT));
  const auto mails = Mailbox(mail_dir_);
  ASSERT_EQ(mails.size(), 2u);
  for (const auto& mail : mails) {
    if (mail.rcpt_to == "george@example.com") {
      EXPECT_EQ(testing::Header(mail.data, "Subject"), "3 of your changes were not applied");
      EXPECT_THAT(testing::Part(mail.data, "text/plain"), HasSubstr("3 of 3: Your due date"));
    } else {
      EXPECT_EQ(mail.rcpt_to, "linda@example.com");
      EXPECT_EQ(testing::Header(mail.data, "Message-ID"), MessageIdFor("failure-linda-1"));
    }
  }
}

TEST_F(NotifyIntegrationTest, CallsBeforeTheSchemaIsReadyAreUnavailableAndHarmless) {
  auto sink = SmtpSink::Start(mail_dir_);
  ASSERT_TRUE(sink);
  StartNotify(sink->port, {}, /*wait_until_serving=*/false);
  Notify(testing::LindaReopen());  // retried while UNAVAILABLE
  ASSERT_TRUE(WaitForState("failure-linda-1", v1::NOTIFICATION_STATE_SENT));
  EXPECT_EQ(MailsWithId(mail_dir_, MessageIdFor("failure-linda-1")).size(), 1u);
}

TEST_F(NotifyIntegrationTest, StarttlsWithAuthDeliversAndNeverLogsThePassword) {
  const auto [cert, key] = MakeCertificate(mail_dir_);
  const std::string box = mail_dir_ + "/box";
  auto sink = SmtpSink::Start(box, 0, 0,
                              {"--tls=starttls", "--cert=" + cert, "--key=" + key, "--user=crmsync",
                               "--password=pa55-Wörd-7781"});
  ASSERT_TRUE(sink);
  StartNotify(sink->port, {"--smtp_starttls", "--smtp_ca_file=" + cert, "--smtp_username=crmsync"},
              /*wait_until_serving=*/true, {"CRMSYNC_SMTP_PASSWORD=pa55-Wörd-7781"});
  Notify(testing::GeorgeDueDate());
  ASSERT_TRUE(WaitForState("failure-george-1", v1::NOTIFICATION_STATE_SENT));
  EXPECT_EQ(MailsWithId(box, MessageIdFor("failure-george-1")).size(), 1u);
  ASSERT_TRUE(notify_->Terminate().ok());
  for (const auto& line : notify_->StderrLines()) {
    EXPECT_THAT(line, Not(HasSubstr("pa55-W"))) << line;
  }
}

TEST_F(NotifyIntegrationTest, ImplicitTlsDelivers) {
  const auto [cert, key] = MakeCertificate(mail_dir_);
  const std::string box = mail_dir_ + "/box";
  auto sink = SmtpSink::Start(box, 0, 0, {"--tls=implicit", "--cert=" + cert, "--key=" + key});
  ASSERT_TRUE(sink);
  StartNotify(sink->port, {absl::StrCat("--smtp_url=smtps://127.0.0.1:", sink->port),
                           "--smtp_ca_file=" + cert});
  Notify(testing::LindaReopen());
  ASSERT_TRUE(WaitForState("failure-linda-1", v1::NOTIFICATION_STATE_SENT));
  EXPECT_EQ(MailsWithId(box, MessageIdFor("failure-linda-1")).size(), 1u);
}

TEST_F(NotifyIntegrationTest, AWrongPasswordIsRetriedWithItsReasonAndNoPassword) {
  const auto [cert, key] = MakeCertificate(mail_dir_);
  auto sink = SmtpSink::Start(mail_dir_ + "/box", 0, 0,
                              {"--tls=starttls", "--cert=" + cert, "--key=" + key, "--user=crmsync",
                               "--password=right-one"});
  ASSERT_TRUE(sink);
  StartNotify(sink->port, {"--smtp_starttls", "--smtp_ca_file=" + cert, "--smtp_username=crmsync",
                           "--smtp_password=wrong-one-4410"});
  Notify(testing::LindaReopen());
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  v1::Notification n;
  while (absl::Now() < deadline) {
    n = Get("failure-linda-1");
    if (n.attempts() >= 2 && n.state() == v1::NOTIFICATION_STATE_PENDING) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(n.state(), v1::NOTIFICATION_STATE_PENDING);
  EXPECT_GE(n.attempts(), 2);
  EXPECT_THAT(n.last_error(), Not(HasSubstr("wrong-one")));
  EXPECT_FALSE(n.last_error().empty());
  ASSERT_TRUE(notify_->Terminate().ok());
  for (const auto& line : notify_->StderrLines()) {
    EXPECT_THAT(line, Not(HasSubstr("wrong-one-4410"))) << line;
  }
}

TEST_F(NotifyIntegrationTest, EmailsWaitWhileTheSmtpServerIsDownAndGoOutWhenItReturns) {
  auto sink = SmtpSink::Start(mail_dir_);
  ASSERT_TRUE(sink);
  const int port = sink->port;
  ASSERT_TRUE(sink->process->Terminate().ok());
  StartNotify(port);
  Notify(testing::LindaReopen());
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  v1::Notification waiting;
  while (absl::Now() < deadline) {
    waiting = Get("failure-linda-1");
    if (waiting.attempts() >= 2 && waiting.state() == v1::NOTIFICATION_STATE_PENDING) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(waiting.state(), v1::NOTIFICATION_STATE_PENDING);
  EXPECT_GE(waiting.attempts(), 2);
  EXPECT_FALSE(waiting.last_error().empty());
  EXPECT_TRUE(waiting.has_next_attempt_time());
  EXPECT_TRUE(Mailbox(mail_dir_).empty());

  auto back = SmtpSink::Start(mail_dir_, port);
  ASSERT_TRUE(back);
  ASSERT_TRUE(WaitForState("failure-linda-1", v1::NOTIFICATION_STATE_SENT));
  EXPECT_EQ(MailsWithId(mail_dir_, MessageIdFor("failure-linda-1")).size(), 1u);
  EXPECT_EQ(Get("failure-linda-1").last_error(), "");
}

TEST_F(NotifyIntegrationTest, ATitleWithLineBreaksAndNonAsciiArrivesIntactAndHarmless) {
  auto sink = SmtpSink::Start(mail_dir_);
  ASSERT_TRUE(sink);
  StartNotify(sink->port);
  auto request = testing::GeorgeDueDate("failure-crlf");
  request.mutable_parameters()->set_task_title(
      "Übergabe 交付\r\nBcc: mallory@example.com\r\n\r\n<b>injected</b>");
  Notify(request);
  ASSERT_TRUE(WaitForState("failure-crlf", v1::NOTIFICATION_STATE_SENT));
  const auto mails = Mailbox(mail_dir_);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].rcpt_to, "george@example.com");
  for (const auto& header : testing::Headers(mails[0].data)) {
    EXPECT_FALSE(absl::StartsWithIgnoreCase(header, "Bcc:")) << header;
  }
  EXPECT_EQ(testing::DecodeWords(testing::Header(mails[0].data, "Subject")),
            "Your due date change to \"Übergabe 交付 Bcc: mallory@example.com <b>injected</b>\" "
            "was not applied");
  EXPECT_THAT(testing::Part(mails[0].data, "text/plain"),
              HasSubstr("\"Übergabe 交付 Bcc: mallory@example.com <b>injected</b>\""));
  const std::string html = testing::Part(mails[0].data, "text/html");
  EXPECT_THAT(html, HasSubstr("Übergabe 交付 Bcc: mallory@example.com &lt;b&gt;injected"));
  EXPECT_THAT(html, Not(HasSubstr("<b>injected</b>")));
}

TEST_F(NotifyIntegrationTest, NothingIsLostWhenTheProcessIsKilledWhileSending) {
  // A slow server keeps emails in flight when the process dies.
  auto sink = SmtpSink::Start(mail_dir_, 0, /*delay_seconds=*/0.05);
  ASSERT_TRUE(sink);
  StartNotify(sink->port);
  constexpr int kCount = 40;
  for (int i = 0; i < kCount; ++i) Notify(testing::LindaReopen(absl::StrCat("failure-kill-", i)));
  ASSERT_TRUE(
      notify_
          ->WaitForLine([](const nlohmann::json& j) { return j.value("msg", "") == "email sent"; },
                        absl::Seconds(20))
          .ok());
  ASSERT_EQ(kill(notify_->pid(), SIGKILL), 0);
  EXPECT_EQ(*notify_->Wait(absl::Seconds(5)), 128 + SIGKILL);
  const size_t before_restart = Mailbox(mail_dir_).size();
  EXPECT_LT(before_restart, static_cast<size_t>(kCount)) << "killed too late to test anything";

  StartNotify(sink->port);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(WaitForState(absl::StrCat("failure-kill-", i), v1::NOTIFICATION_STATE_SENT));
  }
  std::map<std::string, int> copies;
  for (const auto& mail : Mailbox(mail_dir_)) ++copies[testing::Header(mail.data, "Message-ID")];
  int duplicates = 0;
  for (int i = 0; i < kCount; ++i) {
    const int n = copies[MessageIdFor(absl::StrCat("failure-kill-", i))];
    EXPECT_GE(n, 1) << "failure-kill-" << i << " never arrived";
    duplicates += n - 1;
  }
  // Only an email accepted by the server in the instant before the kill, and not yet recorded,
  // may arrive twice, and then with the same Message-ID: at most one per sender (4).
  EXPECT_LE(duplicates, 4);
  std::cout << "delivered before the kill: " << before_restart << "; resent with the same "
            << "Message-ID after restart: " << duplicates << "\n";
}

}  // namespace
}  // namespace crmsync::notify

// The crmsync-notify binary against a real PostgreSQL and a real SMTP server (aiosmtpd, see
// smtp_sink.py): what arrives in the mailbox is what the test checks.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "libs/http/http_client.h"
#include "services/notify/notification.h"
#include "services/notify/transport.h"
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
  EXPECT_THAT(metrics, HasSubstr("crmsync_work_queue_completions_total{queue=\"notify_email\","
                                 "result=\"done\"} 2"));
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_work_queue_items{queue=\"notify_email\",state=\"pending\"} 0"));
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
        {"--database_url=" + database_->url(), "--grpc_port=0", "--metrics_port=0",
         "--auth_address=" + auth_.address, flag});
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
  // Holding the migrations' advisory lock keeps notify from creating its schema until released.
  pqxx::connection blocker(database_->url());
  pqxx::nontransaction(blocker).exec(
      "SELECT pg_advisory_lock(x'63726d73'::int, hashtext('notify'))");
  StartNotify(sink->port, {}, /*wait_until_serving=*/false);

  grpc::ClientContext notify_context;
  v1::NotifyFailureResponse notified;
  const grpc::Status refused =
      stub_->NotifyFailure(&notify_context, testing::LindaReopen(), &notified);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  grpc::ClientContext list_context;
  v1::ListNotificationsResponse listed;
  const grpc::Status list =
      stub_->ListNotifications(&list_context, v1::ListNotificationsRequest(), &listed);
  EXPECT_EQ(list.error_code(), grpc::StatusCode::UNAVAILABLE) << list.error_message();
  EXPECT_FALSE(pqxx::nontransaction(blocker)
                   .exec1("SELECT to_regclass('notify.notifications') IS NOT NULL")[0]
                   .as<bool>())
      << "the schema was created while the lock was held";

  pqxx::nontransaction(blocker).exec(
      "SELECT pg_advisory_unlock(x'63726d73'::int, hashtext('notify'))");
  WaitUntilServing();
  EXPECT_FALSE(Notify(testing::LindaReopen()).duplicate()) << "the refused call stored nothing";
  ASSERT_TRUE(WaitForState("failure-linda-1", v1::NOTIFICATION_STATE_SENT));
  EXPECT_EQ(MailsWithId(mail_dir_, MessageIdFor("failure-linda-1")).size(), 1u);
}

TEST_F(NotifyIntegrationTest, AnOversizedOrMalformedFieldIsRefusedByNameAndNothingIsStored) {
  auto sink = SmtpSink::Start(mail_dir_);
  ASSERT_TRUE(sink);
  StartNotify(sink->port);
  std::vector<std::pair<v1::NotifyFailureRequest, std::string>> cases;
  auto request = testing::GeorgeDueDate("failure-long-title");
  request.mutable_parameters()->set_task_title(std::string(501, 't'));
  cases.emplace_back(request, "parameters.task_title: longer than 500 characters");
  request = testing::GeorgeDueDate("failure-long-reason");
  request.mutable_parameters()->set_reason(std::string(2001, 'r'));
  cases.emplace_back(request, "parameters.reason: longer than 2000 characters");
  request = testing::GeorgeDueDate("failure-long-name");
  request.mutable_recipient()->set_display_name(std::string(201, 'n'));
  cases.emplace_back(request, "recipient.display_name: longer than 200 characters");
  request = testing::GeorgeDueDate("failure-nul");
  request.mutable_parameters()->set_kept_value(std::string("2026-12-11\0", 11));
  cases.emplace_back(request, "parameters.kept_value: must not contain a NUL character");
  request = testing::GeorgeDueDate("failure-multiline-id");
  request.mutable_parameters()->set_project_id("proj-77\r\nX-Injected: 1");
  cases.emplace_back(request, "parameters.project_id: must not contain a line break");
  for (const auto& [bad, message] : cases) {
    grpc::ClientContext context;
    v1::NotifyFailureResponse response;
    const grpc::Status status = stub_->NotifyFailure(&context, bad, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.failure_id();
    EXPECT_THAT(status.error_message(), HasSubstr(message)) << bad.failure_id();
  }
  grpc::ClientContext context;
  v1::ListNotificationsResponse listed;
  ASSERT_TRUE(stub_->ListNotifications(&context, v1::ListNotificationsRequest(), &listed).ok());
  EXPECT_EQ(listed.notifications_size(), 0);
  EXPECT_TRUE(Mailbox(mail_dir_).empty());
}

TEST_F(NotifyIntegrationTest, LookupsPastTheirBoundsAreRefusedByName) {
  auto sink = SmtpSink::Start(mail_dir_);
  ASSERT_TRUE(sink);
  StartNotify(sink->port);
  const auto expect_refused = [](const grpc::Status& status, const std::string& message) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << message;
    EXPECT_EQ(status.error_message(), message);
  };
  for (const bool by_failure : {false, true}) {
    v1::GetNotificationRequest get;
    if (by_failure) {
      get.set_failure_id(std::string(129, 'f'));
    } else {
      get.set_notification_id(std::string(129, 'n'));
    }
    grpc::ClientContext context;
    v1::GetNotificationResponse got;
    expect_refused(stub_->GetNotification(&context, get, &got),
                   by_failure ? "failure_id: longer than 128 characters"
                              : "notification_id: longer than 128 characters");
  }
  v1::ListNotificationsRequest list;
  list.set_portal_id(std::string(129, 'p'));
  grpc::ClientContext portal_context;
  v1::ListNotificationsResponse listed;
  expect_refused(stub_->ListNotifications(&portal_context, list, &listed),
                 "portal_id: longer than 128 characters");
  list.set_portal_id("");
  list.set_page_token(std::string(4097, 'A'));
  grpc::ClientContext token_context;
  expect_refused(stub_->ListNotifications(&token_context, list, &listed),
                 "page_token: at most 4096 characters");
}

TEST_F(NotifyIntegrationTest, ALongSubjectReachesAStrictServerIntact) {
  // aiosmtpd refuses for good any line over 1000 octets (RFC 5321 4.5.3.1.6); a deployment's
  // template puts two 500-character fields in one subject.
  const std::string templates = mail_dir_ + "/templates";
  std::filesystem::create_directories(templates);
  std::ofstream(templates + "/due_date_beyond_strict_schedule.tmpl")
      << "Subject: Not applied: {{task_title}} in {{project_name}}\n== text ==\n"
         "{{reason}}\n== html ==\n<p>{{reason}}</p>\n";
  const std::string box = mail_dir_ + "/box";
  auto sink = SmtpSink::Start(box);
  ASSERT_TRUE(sink);
  StartNotify(sink->port, {"--templates_dir=" + templates});
  auto request = testing::GeorgeDueDate();
  std::string title, project;
  for (int i = 0; i < 30; ++i) absl::StrAppend(&title, i ? " " : "", "map legacy fields");
  for (int i = 0; i < 40; ++i) absl::StrAppend(&project, i ? " " : "", "migration");
  title = title.substr(0, 499) + "s";
  project = project.substr(0, 400) + std::string(100, 'p');
  request.mutable_parameters()->set_task_title(title);
  request.mutable_parameters()->set_project_name(project);
  Notify(request);
  ASSERT_TRUE(WaitForState("failure-george-1", v1::NOTIFICATION_STATE_SENT));
  const auto mails = MailsWithId(box, MessageIdFor("failure-george-1"));
  ASSERT_EQ(mails.size(), 1u);
  const std::string subject = absl::StrCat("Not applied: ", title, " in ", project);
  ASSERT_GT(subject.size(), 1000u);
  EXPECT_EQ(testing::DecodeWords(testing::Header(mails[0].data, "Subject")), subject);
  EXPECT_EQ(Get("failure-george-1").subject(), subject);
}

TEST_F(NotifyIntegrationTest, StarttlsWithAuthDeliversAndNeverLogsThePassword) {
  const TestPki pki = MakeCertificates(mail_dir_);
  const std::string box = mail_dir_ + "/box";
  auto sink =
      SmtpSink::StartTls(box, "starttls", pki, {"--user=crmsync", "--password=pa55-Wörd-7781"});
  ASSERT_TRUE(sink);
  StartNotify(sink->port,
              {"--smtp_starttls", "--smtp_ca_file=" + pki.ca.cert, "--smtp_username=crmsync"},
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
  const TestPki pki = MakeCertificates(mail_dir_);
  const std::string box = mail_dir_ + "/box";
  auto sink = SmtpSink::StartTls(box, "implicit", pki);
  ASSERT_TRUE(sink);
  StartNotify(sink->port, {absl::StrCat("--smtp_url=smtps://127.0.0.1:", sink->port),
                           "--smtp_ca_file=" + pki.ca.cert});
  Notify(testing::LindaReopen());
  ASSERT_TRUE(WaitForState("failure-linda-1", v1::NOTIFICATION_STATE_SENT));
  EXPECT_EQ(MailsWithId(box, MessageIdFor("failure-linda-1")).size(), 1u);
}

TEST_F(NotifyIntegrationTest, AnUntrustedCertificateIsRefusedOverStarttls) {
  // The server's certificate comes from a CA the system's store does not hold.
  const TestPki pki = MakeCertificates(mail_dir_);
  const std::string box = mail_dir_ + "/box";
  auto sink =
      SmtpSink::StartTls(box, "starttls", pki, {"--user=crmsync", "--password=never-sent-5521"});
  ASSERT_TRUE(sink);
  StartNotify(sink->port, {"--smtp_starttls", "--smtp_username=crmsync"},
              /*wait_until_serving=*/true, {"CRMSYNC_SMTP_PASSWORD=never-sent-5521"});
  Notify(testing::LindaReopen());
  const v1::Notification waiting = WaitForRetries("failure-linda-1");
  EXPECT_EQ(waiting.state(), v1::NOTIFICATION_STATE_PENDING);
  EXPECT_THAT(waiting.last_error(), HasSubstr("certificate"));
  EXPECT_TRUE(Mailbox(box).empty());
}

TEST_F(NotifyIntegrationTest, AnUntrustedCertificateIsRefusedOverImplicitTls) {
  // --smtp_ca_file names another CA than the one that signed the server's certificate.
  const TestPki pki = MakeCertificates(mail_dir_);
  auto other_ca = crmsync::testing::MakeTestCa(mail_dir_, "other");
  ASSERT_TRUE(other_ca.ok()) << other_ca.status();
  const std::string box = mail_dir_ + "/box";
  auto sink = SmtpSink::StartTls(box, "implicit", pki);
  ASSERT_TRUE(sink);
  StartNotify(sink->port, {absl::StrCat("--smtp_url=smtps://127.0.0.1:", sink->port),
                           "--smtp_ca_file=" + other_ca->cert});
  Notify(testing::LindaReopen());
  const v1::Notification waiting = WaitForRetries("failure-linda-1");
  EXPECT_EQ(waiting.state(), v1::NOTIFICATION_STATE_PENDING);
  EXPECT_THAT(waiting.last_error(), HasSubstr("certificate"));
  EXPECT_TRUE(Mailbox(box).empty());
}

TEST_F(NotifyIntegrationTest, SmtpAuthWithoutTlsIsAUsageErrorUnlessPlaintextIsAllowed) {
  auto process = crmsync::testing::Subprocess::Start(
      absl::StrCat(CRMSYNC_BIN_DIR, "/crmsync-notify"),
      {"--database_url=" + database_->url(), "--grpc_port=0", "--metrics_port=0",
       "--auth_address=" + auth_.address, "--smtp_url=smtp://127.0.0.1:25",
       "--smtp_username=crmsync"},
      {"CRMSYNC_SMTP_PASSWORD=plain-7734"});
  ASSERT_TRUE(process.ok());
  const auto exit_code = (*process)->Wait(absl::Seconds(10));
  ASSERT_TRUE(exit_code.ok()) << "it started: " << exit_code.status();
  EXPECT_EQ(*exit_code, 2);
  const auto lines = (*process)->StderrLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("--smtp_username"));
  EXPECT_THAT(lines[0], HasSubstr("--smtp_starttls"));
  EXPECT_THAT(lines[0], HasSubstr("--smtp_allow_plaintext_auth"));
  EXPECT_THAT(lines[0], Not(HasSubstr("plain-7734")));

  // A local test server without TLS, allowed explicitly.
  const std::string box = mail_dir_ + "/box";
  auto sink = SmtpSink::Start(box, 0, 0, {"--user=crmsync", "--password=plain-7734"});
  ASSERT_TRUE(sink);
  StartNotify(sink->port, {"--smtp_username=crmsync", "--smtp_allow_plaintext_auth"},
              /*wait_until_serving=*/true, {"CRMSYNC_SMTP_PASSWORD=plain-7734"});
  Notify(testing::LindaReopen());
  ASSERT_TRUE(WaitForState("failure-linda-1", v1::NOTIFICATION_STATE_SENT));
  EXPECT_EQ(MailsWithId(box, MessageIdFor("failure-linda-1")).size(), 1u);
}

TEST_F(NotifyIntegrationTest, TheTransportNeverSendsCredentialsWithoutTls) {
  // A server that offers AUTH in clear text and no STARTTLS: the password must not go out.
  const std::string box = mail_dir_ + "/box";
  auto sink = SmtpSink::Start(box, 0, 0, {"--user=crmsync", "--password=clear-9902"});
  ASSERT_TRUE(sink);
  SmtpOptions options;
  options.url = absl::StrCat("smtp://127.0.0.1:", sink->port);
  options.username = "crmsync";
  options.password = "clear-9902";
  auto transport = MakeSmtpTransport(options);
  const Email email{"crmsync@example.com", "linda@example.com",
                    "Subject: hello\r\nMessage-ID: <t@crmsync>\r\n\r\nhello\r\n"};
  const absl::Notification never;
  const SendOutcome outcome = transport->Send(email, never);
  EXPECT_NE(outcome.result, SendOutcome::Result::kSent);
  EXPECT_THAT(outcome.error, Not(HasSubstr("clear-9902")));
  EXPECT_TRUE(Mailbox(box).empty());
}

TEST_F(NotifyIntegrationTest, AWrongPasswordIsRetriedWithItsReasonAndNoPassword) {
  const TestPki pki = MakeCertificates(mail_dir_);
  auto sink = SmtpSink::StartTls(mail_dir_ + "/box", "starttls", pki,
                                 {"--user=crmsync", "--password=right-one"});
  ASSERT_TRUE(sink);
  StartNotify(sink->port,
              {"--smtp_starttls", "--smtp_ca_file=" + pki.ca.cert, "--smtp_username=crmsync"},
              /*wait_until_serving=*/true, {"CRMSYNC_SMTP_PASSWORD=wrong-one-4410"});
  Notify(testing::LindaReopen());
  const v1::Notification n = WaitForRetries("failure-linda-1");
  EXPECT_EQ(n.state(), v1::NOTIFICATION_STATE_PENDING);
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
  const v1::Notification waiting = WaitForRetries("failure-linda-1");
  EXPECT_EQ(waiting.state(), v1::NOTIFICATION_STATE_PENDING);
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

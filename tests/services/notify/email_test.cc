#include "services/notify/email.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "services/notify/notify_server.h"
#include "tests/services/notify/mime.h"
#include "tests/services/notify/seeds.h"

namespace crmsync::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Notification FromRequest(const v1::NotifyFailureRequest& request, const Templates& templates) {
  auto parsed = FromProto(request);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  Notification n;
  n.notification_id = "1";
  n.failure_id = parsed->failure_id;
  n.portal_id = parsed->portal_id;
  n.recipient = parsed->recipient;
  n.kind = parsed->kind;
  n.parameters = parsed->parameters;
  n.subject = RenderSubject(templates.For(n.kind), n.recipient, n.parameters);
  n.message_id = MessageIdFor(n.failure_id);
  return n;
}

using testing::DecodeWords;
using testing::Header;
using testing::Headers;
using testing::Part;

class EmailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = Templates::Defaults();
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    templates_ = *loaded;
  }
  Email Build(const v1::NotifyFailureRequest& request) {
    const Notification n = FromRequest(request, templates_);
    return BuildEmail(n, templates_.For(n.kind), Sender{}, absl::FromUnixSeconds(1795424460));
  }
  Templates templates_;
};

TEST_F(EmailTest, GeorgeLearnsHisDueDateFellOutsideTheStrictSchedule) {
  const Email email = Build(testing::GeorgeDueDate());
  EXPECT_EQ(email.envelope_to, "george@example.com");
  EXPECT_EQ(Header(email.data, "To"), "\"George Miller\" <george@example.com>");
  EXPECT_EQ(Header(email.data, "Subject"),
            "Your due date change to \"Map legacy customer fields\" was not applied");
  EXPECT_EQ(Header(email.data, "Message-ID"), MessageIdFor("failure-george-1"));
  EXPECT_EQ(Header(email.data, "Date"), "Mon, 23 Nov 2026 09:01:00 +0000");
  const std::string text = Part(email.data, "text/plain");
  EXPECT_THAT(text, HasSubstr("Hello George Miller,"));
  EXPECT_THAT(text, HasSubstr("\"Map legacy customer fields\" in the project \"Data Migration\""));
  EXPECT_THAT(text, HasSubstr("set End Date to 2027-01-08 in Zoho CRM (2026-11-23 09:00 UTC)"));
  EXPECT_THAT(text, HasSubstr("strict project; its schedule runs from 2026-11-02 to 2026-12-18"));
  EXPECT_THAT(text, HasSubstr("keeps the End Date 2026-12-11"));
  EXPECT_THAT(text,
              HasSubstr("What to do next: choose a due date between 2026-11-02 and 2026-12-18"));
  EXPECT_THAT(text, HasSubstr("\r\n"));  // SMTP line ends
  const std::string html = Part(email.data, "text/html");
  EXPECT_THAT(html, HasSubstr("<b>Map legacy customer fields</b>"));
  EXPECT_THAT(html, HasSubstr("<b>2027-01-08</b>"));
}

TEST_F(EmailTest, LindaLearnsTheParentTaskIsClosed) {
  const Email email = Build(testing::LindaReopen());
  EXPECT_EQ(email.envelope_to, "linda@example.com");
  EXPECT_EQ(Header(email.data, "Subject"),
            "Your reopening of \"Verify imported contacts\" was not applied");
  const std::string text = Part(email.data, "text/plain");
  EXPECT_THAT(text, HasSubstr("Hello Linda Park,"));
  EXPECT_THAT(text, HasSubstr("its parent task \"Contact import\" is closed in Zoho Projects"));
  EXPECT_THAT(text, HasSubstr("reopen the parent task \"Contact import\" in Zoho Projects first"));
  EXPECT_THAT(Part(email.data, "text/html"), HasSubstr("<b>Contact import</b>"));
}

TEST_F(EmailTest, EveryKindHasATemplateThatNamesTheTask) {
  for (auto kind : {v1::NOTIFICATION_KIND_CHANGE_REFUSED_BY_OTHER_SIDE,
                    v1::NOTIFICATION_KIND_DELIVERY_RETRIES_EXHAUSTED}) {
    auto request = testing::GeorgeDueDate();
    request.set_kind(kind);
    request.mutable_parameters()->set_reason(
        "the owner jane@example.com is unknown in Zoho Projects");
    const Email email = Build(request);
    EXPECT_THAT(Header(email.data, "Subject"), HasSubstr("Map legacy customer fields"));
    EXPECT_THAT(Part(email.data, "text/plain"),
                HasSubstr("the owner jane@example.com is unknown in Zoho Projects"));
  }
  auto grant = testing::GeorgeDueDate();
  grant.set_kind(v1::NOTIFICATION_KIND_OAUTH_GRANT_BROKEN);
  grant.mutable_parameters()->set_reason("Zoho answered invalid_code");
  const Email email = Build(grant);
  EXPECT_EQ(Header(email.data, "Subject"), "crmsync lost access to Zoho CRM: please re-authorise");
  EXPECT_THAT(Part(email.data, "text/plain"), HasSubstr("authorise Zoho CRM again"));
}

TEST_F(EmailTest, AFailureAboutTheWholeTaskNamesNoFieldOrValues) {
  auto request = testing::GeorgeDueDate();
  request.set_kind(v1::NOTIFICATION_KIND_CHANGE_REFUSED_BY_OTHER_SIDE);
  v1::FailureParameters& p = *request.mutable_parameters();
  p.clear_field();
  p.clear_attempted_value();
  p.clear_kept_value();
  p.set_reason("the task was deleted in Zoho Projects");
  const Email email = Build(request);
  const std::string text = Part(email.data, "text/plain");
  EXPECT_THAT(text, HasSubstr("What you tried:   a change in Zoho CRM (2026-11-23 09:00 UTC)\r\n"
                              "Why it failed:    the task was deleted in Zoho Projects\r\n\r\n"));
  EXPECT_THAT(text, Not(HasSubstr("set  to")));
  EXPECT_THAT(text, Not(HasSubstr("What it is now")));
  const std::string html = Part(email.data, "text/html");
  EXPECT_THAT(html, HasSubstr("<td>a change in Zoho CRM (2026-11-23 09:00 UTC)</td>"));
  EXPECT_THAT(html, Not(HasSubstr("{{")));
  EXPECT_THAT(html, Not(HasSubstr("What it is now")));

  p.set_field("Owner");
  p.set_attempted_value("jane@example.com");
  p.set_kept_value("george@example.com");
  const std::string about_a_field = Part(Build(request).data, "text/plain");
  EXPECT_THAT(about_a_field, HasSubstr("set Owner to jane@example.com in Zoho CRM"));
  EXPECT_THAT(about_a_field, HasSubstr("Zoho Projects keeps Owner = george@example.com."));
  EXPECT_THAT(about_a_field, Not(HasSubstr("a change in")));
}

TEST_F(EmailTest, LineBreaksInTitleAndNameCannotAddHeaders) {
  auto request = testing::GeorgeDueDate();
  request.mutable_parameters()->set_task_title(
      "Plan\r\nBcc: victim@example.com\r\n\r\nÜbergabe — 交付");
  request.mutable_parameters()->set_attempted_value("<script>alert(1)</script>");
  const Email email = Build(request);
  for (const auto& line : Headers(email.data)) {
    EXPECT_FALSE(absl::StartsWithIgnoreCase(line, "Bcc:")) << line;
  }
  for (absl::string_view line : absl::StrSplit(email.data, "\r\n")) {
    for (unsigned char c : line) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "non-ASCII in " << line;
    EXPECT_LE(line.size(), 78u) << line;
  }
  EXPECT_EQ(DecodeWords(Header(email.data, "Subject")),
            "Your due date change to \"Plan Bcc: victim@example.com Übergabe — 交付\" was not "
            "applied");
  EXPECT_THAT(Part(email.data, "text/plain"),
              HasSubstr("\"Plan Bcc: victim@example.com Übergabe — 交付\""));
  const std::string html = Part(email.data, "text/html");
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
}

TEST_F(EmailTest, NonAsciiDisplayNameIsEncoded) {
  auto request = testing::LindaReopen();
  request.mutable_recipient()->set_display_name("Lïnda Ōkawa");
  const Email email = Build(request);
  const std::string to = Header(email.data, "To");
  EXPECT_TRUE(absl::EndsWith(to, " <linda@example.com>")) << to;
  EXPECT_EQ(DecodeWords(to.substr(0, to.find(" <"))), "Lïnda Ōkawa");
}

TEST_F(EmailTest, ADigestExplainsEachFailureAndHasAStableMessageId) {
  const Notification george = FromRequest(testing::GeorgeDueDate("a"), templates_);
  auto second_request = testing::LindaReopen("b");
  *second_request.mutable_recipient() = testing::GeorgeDueDate().recipient();
  const Notification second = FromRequest(second_request, templates_);
  const Email email =
      BuildDigestEmail({&george, &second}, templates_, Sender{}, absl::FromUnixSeconds(1795424460));
  EXPECT_EQ(email.envelope_to, "george@example.com");
  EXPECT_EQ(Header(email.data, "Subject"), "2 of your changes were not applied");
  EXPECT_EQ(Header(email.data, "Message-ID"), DigestMessageId({&second, &george}));
  EXPECT_NE(Header(email.data, "Message-ID"), MessageIdFor("a"));
  const std::string text = Part(email.data, "text/plain");
  EXPECT_THAT(text, HasSubstr("Hello George Miller,"));
  EXPECT_THAT(text, HasSubstr("1 of 2: Your due date change to \"Map legacy customer fields\""));
  EXPECT_THAT(text, HasSubstr("its parent task \"Contact import\" is closed"));
  const std::string html = Part(email.data, "text/html");
  EXPECT_EQ(html.find("<html>"), html.rfind("<html>")) << "one document, not nested ones";
  EXPECT_THAT(html, HasSubstr("<b>Contact import</b>"));
}

// Every header line of `data`, as sent (folded).
std::vector<std::string> HeaderLines(const std::string& data) {
  return absl::StrSplit(data.substr(0, data.find("\r\n\r\n")), "\r\n");
}

TEST_F(EmailTest, ALongAsciiSubjectIsFoldedAndUnfoldsToTheOriginal) {
  auto request = testing::GeorgeDueDate();
  std::string title;
  for (int i = 0; i < 24; ++i) absl::StrAppend(&title, i ? " " : "", "migrate legacy data");
  request.mutable_parameters()->set_task_title(title);
  const Email email = Build(request);
  EXPECT_EQ(Header(email.data, "Subject"),
            absl::StrCat("Your due date change to \"", title, "\" was not applied"));
  int subject_lines = 0;
  bool in_subject = false;
  for (const auto& line : HeaderLines(email.data)) {
    EXPECT_LE(line.size(), 78u) << line;
    in_subject = absl::StartsWith(line, "Subject: ") || (in_subject && line[0] == ' ');
    subject_lines += in_subject;
  }
  EXPECT_GE(subject_lines, 7) << "a 500-character subject folds onto about 7 lines";
}

TEST_F(EmailTest, AWordTooLongForOneLineIsEncodedAndFolded) {
  auto request = testing::GeorgeDueDate();
  const std::string title = "https://projects.example.com/" + std::string(300, 'x');
  request.mutable_parameters()->set_task_title(title);
  const Email email = Build(request);
  EXPECT_EQ(DecodeWords(Header(email.data, "Subject")),
            absl::StrCat("Your due date change to \"", title, "\" was not applied"));
  for (const auto& line : HeaderLines(email.data)) EXPECT_LE(line.size(), 78u) << line;
}

TEST_F(EmailTest, ALongDisplayNameIsFoldedInsideItsQuotes) {
  auto request = testing::LindaReopen();
  std::string name;
  for (int i = 0; i < 18; ++i) absl::StrAppend(&name, i ? " " : "", "Linda Park");
  request.mutable_recipient()->set_display_name(name);
  const Email email = Build(request);
  EXPECT_EQ(Header(email.data, "To"), absl::StrCat("\"", name, "\" <linda@example.com>"));
  for (const auto& line : HeaderLines(email.data)) EXPECT_LE(line.size(), 78u) << line;
}

TEST(HeaderField, FoldsBeforeSpacesAndKeepsAnUnbreakableValueWhole) {
  EXPECT_EQ(HeaderField("Subject", "short"), "Subject: short\r\n");
  const std::string id = absl::StrCat("<", std::string(80, 'a'), "@crmsync>");
  EXPECT_EQ(HeaderField("Message-ID", id), absl::StrCat("Message-ID:\r\n ", id, "\r\n"));
  const std::string words = absl::StrCat(std::string(60, 'b'), " ", std::string(60, 'c'), "  d");
  EXPECT_EQ(HeaderField("X-Test", words), absl::StrCat("X-Test: ", std::string(60, 'b'), "\r\n ",
                                                       std::string(60, 'c'), "  d\r\n"));
}

TEST(EncodeHeaderText, LongUtf8SplitsOnCharacterBoundaries) {
  const std::string text =
      std::string(40, 'a') + "ééééééééééééééééééééé" + "漢字漢字漢字漢字漢字漢字";
  const std::string encoded = EncodeHeaderText(text);
  std::string decoded;
  for (absl::string_view word : absl::StrSplit(encoded, ' ')) {
    EXPECT_LE(word.size(), 75u);
    EXPECT_TRUE(absl::ConsumePrefix(&word, "=?UTF-8?B?"));
    EXPECT_TRUE(absl::ConsumeSuffix(&word, "?="));
    std::string part;
    ASSERT_TRUE(absl::Base64Unescape(word, &part));
    ASSERT_FALSE(part.empty());
    EXPECT_NE(static_cast<unsigned char>(part[0]) & 0xC0, 0x80) << "word starts mid-character";
    decoded += part;
  }
  EXPECT_EQ(decoded, text);
  EXPECT_EQ(EncodeHeaderText("plain ascii"), "plain ascii");
  EXPECT_EQ(DecodeWords(EncodeHeaderText("=?UTF-8?B?aGk=?=")), "=?UTF-8?B?aGk=?=");
}

TEST(Templates, ADeploymentOverridesOneKindAndKeepsTheOthers) {
  const auto dir = std::filesystem::temp_directory_path() / "crmsync_notify_templates_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "subtask_parent_closed.tmpl")
      << "Subject: Reopen refused: {{task_title}}\n== text ==\nParent {{parent_task_title}}\n"
         "== html ==\n<p>{{parent_task_title}}</p>\n";
  auto templates = Templates::Load(dir.string());
  ASSERT_TRUE(templates.ok()) << templates.status();
  EXPECT_EQ(templates->For(Kind::kSubtaskParentClosed).subject, "Reopen refused: {{task_title}}");
  EXPECT_THAT(templates->For(Kind::kDueDateBeyondStrictSchedule).subject, HasSubstr("due date"));

  std::ofstream(dir / "oauth_grant_broken.tmpl")
      << "Subject: {{secret}}\n== text ==\nx\n== html ==\ny\n";
  auto bad = Templates::Load(dir.string());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("unknown placeholder {{secret}}"));

  std::ofstream(dir / "oauth_grant_broken.tmpl")
      << "Subject: x\n== text ==\nsee {{?reason}}\n== html ==\ny\n";
  bad = Templates::Load(dir.string());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("{{?reason}} / {{!reason}} must start a line"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace crmsync::notify

#include "services/notify/notification.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "services/notify/notify_server.h"
#include "tests/services/notify/seeds.h"

namespace crmsync::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string InvalidField(const v1::NotifyFailureRequest& request) {
  auto parsed = FromProto(request);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST(FromProto, TheSeedRequestsAreValid) {
  auto george = FromProto(testing::GeorgeDueDate());
  ASSERT_TRUE(george.ok()) << george.status();
  EXPECT_EQ(george->kind, Kind::kDueDateBeyondStrictSchedule);
  EXPECT_EQ(george->parameters.project_end_date, absl::CivilDay(2026, 12, 18));
  EXPECT_TRUE(FromProto(testing::LindaReopen()).ok());
}

TEST(FromProto, InvalidArgumentNamesTheField) {
  auto request = testing::GeorgeDueDate();
  request.clear_failure_id();
  EXPECT_THAT(InvalidField(request), StartsWith("failure_id:"));
  request = testing::GeorgeDueDate();
  request.set_failure_id(std::string(129, 'x'));
  EXPECT_THAT(InvalidField(request), StartsWith("failure_id:"));
  request = testing::GeorgeDueDate();
  request.clear_portal_id();
  EXPECT_THAT(InvalidField(request), StartsWith("portal_id:"));
  request = testing::GeorgeDueDate();
  request.clear_recipient();
  EXPECT_THAT(InvalidField(request), StartsWith("recipient"));
  request = testing::GeorgeDueDate();
  request.set_kind(v1::NOTIFICATION_KIND_UNSPECIFIED);
  EXPECT_THAT(InvalidField(request), StartsWith("kind:"));
  request = testing::GeorgeDueDate();
  request.set_kind(static_cast<v1::NotificationKind>(42));
  EXPECT_THAT(InvalidField(request), StartsWith("kind:"));
  request = testing::GeorgeDueDate();
  request.mutable_recipient()->set_display_name("George\r\nBcc: x@example.com");
  EXPECT_THAT(InvalidField(request), StartsWith("recipient.display_name:"));
  request = testing::GeorgeDueDate();
  request.mutable_parameters()->clear_occur_time();
  EXPECT_THAT(InvalidField(request), StartsWith("parameters.occur_time:"));
  request = testing::GeorgeDueDate();
  request.mutable_parameters()->mutable_project_end_date()->set_month(13);
  EXPECT_THAT(InvalidField(request), StartsWith("parameters.project_end_date:"));
}

TEST(FromProto, EveryStringFieldIsBoundedAndAnOversizedOrMalformedOneIsNamed) {
  using Setter = void (*)(v1::NotifyFailureRequest&, const std::string&);
  const std::vector<std::tuple<std::string, size_t, Setter>> fields = {
      {"failure_id", 128, [](auto& r, const auto& v) { r.set_failure_id(v); }},
      {"portal_id", 128, [](auto& r, const auto& v) { r.set_portal_id(v); }},
      {"recipient.display_name", 200,
       [](auto& r, const auto& v) { r.mutable_recipient()->set_display_name(v); }},
      {"parameters.task_id", 128,
       [](auto& r, const auto& v) { r.mutable_parameters()->set_task_id(v); }},
      {"parameters.task_title", 500,
       [](auto& r, const auto& v) { r.mutable_parameters()->set_task_title(v); }},
      {"parameters.project_id", 128,
       [](auto& r, const auto& v) { r.mutable_parameters()->set_project_id(v); }},
      {"parameters.project_name", 500,
       [](auto& r, const auto& v) { r.mutable_parameters()->set_project_name(v); }},
      {"parameters.field", 64,
       [](auto& r, const auto& v) { r.mutable_parameters()->set_field(v); }},
      {"parameters.attempted_value", 2000,
       [](auto& r, const auto& v) { r.mutable_parameters()->set_attempted_value(v); }},
      {"parameters.kept_value", 2000,
       [](auto& r, const auto& v) { r.mutable_parameters()->set_kept_value(v); }},
      {"parameters.reason", 2000,
       [](auto& r, const auto& v) { r.mutable_parameters()->set_reason(v); }},
      {"parameters.parent_task_title", 500,
       [](auto& r, const auto& v) { r.mutable_parameters()->set_parent_task_title(v); }},
  };
  for (const auto& [name, max, set] : fields) {
    auto request = testing::GeorgeDueDate();
    // The bound counts characters, not bytes: "é" is two bytes.
    std::string longest;
    for (size_t i = 0; i < max; ++i) longest += "é";
    set(request, longest);
    EXPECT_TRUE(FromProto(request).ok()) << name << ": " << FromProto(request).status();
    set(request, longest + "x");
    EXPECT_THAT(InvalidField(request), StartsWith(name + ": longer than"));
    set(request, std::string("ab\0c", 4));
    EXPECT_THAT(InvalidField(request), StartsWith(name + ":"));
    set(request, "ab\xC3(c");
    EXPECT_THAT(InvalidField(request), StartsWith(name + ": not valid UTF-8"));
    set(request, "\xED\xA0\x80");  // a UTF-16 surrogate
    EXPECT_THAT(InvalidField(request), StartsWith(name + ": not valid UTF-8"));
  }
  // Titles and values may span lines (they are flattened when rendered); ids may not.
  auto request = testing::GeorgeDueDate();
  request.mutable_parameters()->set_task_title("line one\r\nline two");
  EXPECT_TRUE(FromProto(request).ok());
  request.mutable_parameters()->set_task_id("crm-task\r\n501");
  EXPECT_THAT(InvalidField(request), StartsWith("parameters.task_id:"));
}

TEST(ValidateEmailAddress, AcceptsMailboxesAndRejectsTheRest) {
  for (const char* good : {"george@example.com", "a.b+tag@sub.example.co", "x@localhost",
                           "o'neil@example.com", "u@[192.0.2.1]"}) {
    EXPECT_TRUE(ValidateEmailAddress(good, "recipient.email").ok()) << good;
  }
  for (const char* bad :
       {"", "george", "@example.com", "george@", "geo rge@example.com", "george@exa mple.com",
        "george@example.com\r\nRCPT TO:<x@y>", ".george@example.com", "geo..rge@example.com",
        "george@-example.com", "jörg@example.com", "<george@example.com>"}) {
    auto status = ValidateEmailAddress(bad, "recipient.email");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(status.message()), StartsWith("recipient.email:")) << bad;
  }
}

TEST(MessageIdFor, IsStablePerFailureAndDistinctAcrossFailures) {
  EXPECT_EQ(MessageIdFor("failure-1"), MessageIdFor("failure-1"));
  EXPECT_NE(MessageIdFor("failure-1"), MessageIdFor("failure-2"));
  EXPECT_THAT(MessageIdFor("failure-1"), StartsWith("<"));
  EXPECT_THAT(MessageIdFor("failure-1"), HasSubstr("@crmsync>"));
  EXPECT_EQ(MessageIdFor("abc").size(), 1 + 32 + 9u);
}

TEST(PageToken, RoundTripsAndIsBoundToItsFilter) {
  const ListFilter filter{"portal-1", "george@example.com", State::kPending};
  const PageKey key{absl::FromUnixMicros(1795424400123456), 42};
  const std::string token = EncodePageToken(key, filter);
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos);
  auto decoded = DecodePageToken(token, filter);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->create_time, key.create_time);
  EXPECT_EQ(decoded->notification_id, 42);
  ListFilter other = filter;
  other.state = State::kSent;
  EXPECT_THAT(std::string(DecodePageToken(token, other).status().message()),
              StartsWith("page_token:"));
  EXPECT_EQ(DecodePageToken("not a token!", filter).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(EffectivePageSize, FollowsThePagingContract) {
  EXPECT_EQ(*EffectivePageSize(0), 50);
  EXPECT_EQ(*EffectivePageSize(7), 7);
  EXPECT_EQ(*EffectivePageSize(501), 500);
  EXPECT_THAT(std::string(EffectivePageSize(-1).status().message()), StartsWith("page_size:"));
}

TEST(Parameters, SurviveStorage) {
  auto parsed = FromProto(testing::GeorgeDueDate());
  ASSERT_TRUE(parsed.ok());
  auto back = ParametersFromJson(ParametersToJson(parsed->parameters));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->task_title, "Map legacy customer fields");
  EXPECT_EQ(back->side, Side::kCrm);
  EXPECT_EQ(back->occur_time, parsed->parameters.occur_time);
  EXPECT_EQ(back->project_start_date, absl::CivilDay(2026, 11, 2));
}

}  // namespace
}  // namespace crmsync::notify

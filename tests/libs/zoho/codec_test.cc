// The JSON codecs and date conversions against payloads written from Zoho's documentation.
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/zoho/accounts_client.h"
#include "libs/zoho/api_error.h"
#include "libs/zoho/dates.h"
#include "libs/zoho/json_fields.h"

namespace crmsync::zoho {
namespace {

using ::testing::HasSubstr;

MATCHER_P2(IsStatus, code, substring, "") {
  return arg.code() == code && absl::StrContains(arg.message(), substring);
}

TEST(Dates, CrmDatesConvertExactly) {
  EXPECT_EQ(*ParseCrmDate("2026-11-23"), absl::CivilDay(2026, 11, 23));
  EXPECT_EQ(FormatCrmDate(absl::CivilDay(2027, 1, 8)), "2027-01-08");
  EXPECT_EQ(*ParseCrmDate("2028-02-29"), absl::CivilDay(2028, 2, 29));
  for (const char* bad :
       {"2026-02-30", "2026-13-01", "11-23-2026", "2026-1-8", "2026-11-23T00", "", "2026/11/23"}) {
    EXPECT_FALSE(ParseCrmDate(bad).ok()) << bad;
  }
}

TEST(Dates, ProjectsDatesConvertExactlyWithOrWithoutTime) {
  EXPECT_EQ(*ParseProjectsDate("11-23-2026"), absl::CivilDay(2026, 11, 23));
  EXPECT_EQ(*ParseProjectsDate("01-08-2027 09:30 AM"), absl::CivilDay(2027, 1, 8));
  EXPECT_EQ(*ParseProjectsDate("01-08-2027 12:05 PM"), absl::CivilDay(2027, 1, 8));
  EXPECT_EQ(FormatProjectsDate(absl::CivilDay(2026, 12, 18)), "12-18-2026");
  for (const char* bad : {"2026-11-23", "02-30-2026", "23-11-2026", "11-23-2026 9:30 AM",
                          "11-23-2026 13:30 PM", "11-23-2026 09:30", "11-23-26"}) {
    EXPECT_FALSE(ParseProjectsDate(bad).ok()) << bad;
  }
}

TEST(Dates, IsoTimesKeepTheirOffset) {
  const absl::Time t = *ParseIsoDateTime("2026-11-23T15:00:00+05:30");
  EXPECT_EQ(t, absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 30, 0), absl::UTCTimeZone()));
  EXPECT_EQ(FormatIsoDateTime(t), "2026-11-23T09:30:00+00:00");
  EXPECT_EQ(*ParseIsoDateTime("2026-11-23T09:30:00Z"), t);
  EXPECT_FALSE(ParseIsoDateTime("2026-11-23 09:30:00").ok());
  EXPECT_EQ(ToEpochMillis(FromEpochMillis(1795428648012)), 1795428648012);
}

TEST(JsonFields, MissingAndMistypedFieldsAreNamed) {
  const Json record = Json::parse(R"({"id":"42","n":7,"s":"x","b":true,"o":{},"a":[],"z":null})");
  EXPECT_EQ(*RequiredString(record, "s", "data[0]"), "x");
  EXPECT_THAT(RequiredString(record, "missing", "data[0]").status(),
              IsStatus(absl::StatusCode::kInvalidArgument, "data[0].missing: missing"));
  EXPECT_THAT(
      RequiredString(record, "n", "data[0]").status(),
      IsStatus(absl::StatusCode::kInvalidArgument, "data[0].n: expected a string, got number"));
  EXPECT_THAT(RequiredString(record, "z", "").status(),
              IsStatus(absl::StatusCode::kInvalidArgument, "z: missing"));
  EXPECT_EQ(*OptionalString(record, "z", ""), std::nullopt);
  EXPECT_FALSE(OptionalBool(record, "s", "").ok());
  EXPECT_EQ(*RequiredId(record, "id", ""), "42");
  EXPECT_EQ(*RequiredId(Json::parse(R"({"id":5725767000000100007})"), "id", ""),
            "5725767000000100007");
  EXPECT_FALSE(RequiredId(Json::parse(R"({"id":""})"), "id", "").ok());
  EXPECT_FALSE(RequiredId(record, "b", "").ok());
  EXPECT_FALSE(RequiredObject(record, "a", "").ok());
  EXPECT_FALSE(RequiredArray(record, "o", "").ok());
  EXPECT_THAT(ParseJson("{\"data\":", "CRM reply").status(),
              IsStatus(absl::StatusCode::kInvalidArgument, "CRM reply: not JSON"));
}

TEST(TokenReply, SuccessIsParsed) {
  auto token = ParseTokenReply(
      R"({"access_token":"1000.abc.def","expires_in":3600,"api_domain":"https://www.zohoapis.eu","token_type":"Bearer","scope":"ZohoCRM.modules.tasks.ALL"})");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->access_token, "1000.abc.def");
  EXPECT_EQ(token->expires_in, absl::Hours(1));
  EXPECT_EQ(token->api_domain, "https://www.zohoapis.eu");
  EXPECT_EQ(token->token_type, "Bearer");
  EXPECT_EQ(token->scope, "ZohoCRM.modules.tasks.ALL");
}

TEST(TokenReply, ZohoErrorsBecomeDistinctStatuses) {
  auto invalid_code = ParseTokenReply(R"({"error":"invalid_code"})");
  EXPECT_TRUE(absl::IsUnauthenticated(invalid_code.status())) << invalid_code.status();
  EXPECT_EQ(ZohoErrorCode(invalid_code.status()), "invalid_code");
  auto invalid_client = ParseTokenReply(R"({"error":"invalid_client"})");
  EXPECT_TRUE(absl::IsFailedPrecondition(invalid_client.status())) << invalid_client.status();
  EXPECT_EQ(ZohoErrorCode(invalid_client.status()), "invalid_client");
  auto throttled = ParseTokenReply(
      R"({"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"})");
  EXPECT_TRUE(absl::IsResourceExhausted(throttled.status())) << throttled.status();
  EXPECT_THAT(std::string(throttled.status().message()), HasSubstr("too many requests"));
  auto other = ParseTokenReply(R"({"error":"invalid_redirect_uri"})");
  EXPECT_TRUE(absl::IsUnknown(other.status()));
  EXPECT_EQ(ZohoErrorCode(other.status()), "invalid_redirect_uri");
}

TEST(TokenReply, MalformedRepliesNameTheField) {
  EXPECT_THAT(
      ParseTokenReply(R"({"expires_in":3600,"api_domain":"x","token_type":"Bearer"})").status(),
      IsStatus(absl::StatusCode::kInvalidArgument, "access_token: missing"));
  EXPECT_THAT(
      ParseTokenReply(
          R"({"access_token":"a","expires_in":"3600","api_domain":"x","token_type":"Bearer"})")
          .status(),
      IsStatus(absl::StatusCode::kInvalidArgument, "expires_in: expected an integer"));
  EXPECT_THAT(
      ParseTokenReply(R"({"access_token":"a","expires_in":3600,"token_type":"Bearer"})").status(),
      IsStatus(absl::StatusCode::kInvalidArgument, "api_domain: missing"));
  EXPECT_FALSE(ParseTokenReply("<html>").ok());
  EXPECT_FALSE(ParseTokenReply("[]").ok());
}

TEST(ApiError, HttpStatusesMapToCodesWithZohosCode) {
  auto status = ErrorFromResponse(
      {.status = 401,
       .body =
           R"({"code":"INVALID_OAUTHTOKEN","details":{},"message":"invalid oauth token","status":"error"})"},
      "CRM GET Tasks");
  EXPECT_TRUE(absl::IsUnauthenticated(status));
  EXPECT_EQ(ZohoErrorCode(status), "INVALID_OAUTHTOKEN");
  EXPECT_THAT(std::string(status.message()), HasSubstr("CRM GET Tasks: HTTP 401"));
  status = ErrorFromResponse(
      {.status = 404, .body = R"({"error":{"code":6404,"message":"Resource Not Found"}})"},
      "Projects GET task");
  EXPECT_TRUE(absl::IsNotFound(status));
  EXPECT_EQ(ZohoErrorCode(status), "6404");
  EXPECT_TRUE(absl::IsResourceExhausted(ErrorFromResponse({.status = 429}, "x")));
  EXPECT_TRUE(absl::IsUnavailable(ErrorFromResponse({.status = 502, .body = "<html>"}, "x")));
  EXPECT_TRUE(absl::IsInvalidArgument(ErrorFromResponse({.status = 400}, "x")));
  EXPECT_TRUE(absl::IsPermissionDenied(ErrorFromResponse({.status = 403}, "x")));
}

}  // namespace
}  // namespace crmsync::zoho

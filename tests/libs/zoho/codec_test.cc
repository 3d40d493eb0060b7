// The JSON codecs and date conversions against payloads written from Zoho's documentation.
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/http/url.h"
#include "libs/zoho/accounts_client.h"
#include "libs/zoho/api_error.h"
#include "libs/zoho/crm_codec.h"
#include "libs/zoho/dates.h"
#include "libs/zoho/json_fields.h"
#include "libs/zoho/projects_codec.h"

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

// Only the form FormatIsoDateTime writes back: fractions of seconds would be lost on the way out.
TEST(Dates, IsoTimesOutsideZohosFormAreRefused) {
  for (const char* text : {"2026-11-23T09:30:00.5Z", "60221-11-23T09:30:00Z", "2026-11-23T9:30:00Z",
                           "2026-11-23T09:30:00+0530", "2026-11-23T09:30:00"}) {
    EXPECT_FALSE(ParseIsoDateTime(text).ok()) << text;
  }
  EXPECT_FALSE(ParseIsoDateTime("0000-01-01T01:00:00+05:00").ok());
  EXPECT_FALSE(ParseIsoDateTime("9999-12-31T23:00:00-05:00").ok());
}

TEST(Dates, IsoTimesOfEarlyYearsKeepFourDigits) {
  const absl::Time t = *ParseIsoDateTime("0882-11-23T15:00:00+05:30");
  EXPECT_EQ(FormatIsoDateTime(t), "0882-11-23T09:30:00+00:00");
  EXPECT_EQ(*ParseIsoDateTime(FormatIsoDateTime(t)), t);
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

TEST(TokenReply, OlderRepliesInMillisecondsAreReadBySeconds) {
  // Zoho's SDKs read expires_in as milliseconds when expires_in_sec is present.
  auto token = ParseTokenReply(
      R"({"access_token":"a","expires_in_sec":3600,"expires_in":3600000,"api_domain":"x","token_type":"Bearer"})");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->expires_in, absl::Hours(1));
}

TEST(GrantCodeReply, GivesTheRefreshTokenAndTheFirstAccessToken) {
  auto tokens = ParseGrantCodeReply(
      R"({"access_token":"1000.a.b","refresh_token":"1000.r.t","scope":"ZohoCRM.users.READ ZohoCRM.modules.tasks.ALL","api_domain":"https://www.zohoapis.com","token_type":"Bearer","expires_in":3600})");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(tokens->refresh_token, "1000.r.t");
  EXPECT_EQ(tokens->access.access_token, "1000.a.b");
  EXPECT_EQ(tokens->access.api_domain, "https://www.zohoapis.com");
  EXPECT_EQ(tokens->access.scope, "ZohoCRM.users.READ ZohoCRM.modules.tasks.ALL");
  EXPECT_THAT(
      ParseGrantCodeReply(
          R"({"access_token":"a","expires_in":3600,"api_domain":"x","token_type":"Bearer"})")
          .status(),
      IsStatus(absl::StatusCode::kInvalidArgument, "refresh_token: missing"));
}

TEST(GrantCodeReply, InvalidCodeSaysTheCodeIsSpent) {
  auto spent = ParseGrantCodeReply(R"({"error":"invalid_code"})");
  EXPECT_TRUE(absl::IsUnauthenticated(spent.status())) << spent.status();
  EXPECT_EQ(ZohoErrorCode(spent.status()), "invalid_code");
  EXPECT_THAT(std::string(spent.status().message()), HasSubstr("grant code expired"));
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

namespace crmsync::zoho {
namespace {

// From ZOHO_API.md's CRM Tasks fields.
constexpr char kCrmTask[] = R"({
  "id": "4150868000001144034", "Subject": "Call Acme", "Description": null,
  "Due_Date": "2026-12-18", "Priority": "High", "Status": "Not Started",
  "Owner": {"id": "4150868000000225013", "name": "Ann", "email": "ann@example.com"},
  "What_Id": {"id": "4150868000000224005", "name": "Acme"}, "$se_module": "Accounts",
  "Modified_Time": "2026-11-23T15:00:00+05:30"})";

TEST(CrmCodec, TaskIsDecoded) {
  auto task = ParseCrmTask(Json::parse(kCrmTask), "data[0]");
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->id, "4150868000001144034");
  EXPECT_EQ(task->description, std::nullopt);
  EXPECT_EQ(task->due_date, absl::CivilDay(2026, 12, 18));
  EXPECT_EQ(task->owner->id, "4150868000000225013");
  EXPECT_EQ(task->what_id->name, "Acme");
  EXPECT_EQ(task->se_module, "Accounts");
  EXPECT_EQ(task->modified_time, *ParseIsoDateTime("2026-11-23T09:30:00Z"));
}

TEST(CrmCodec, BrokenTaskFieldsAreNamed) {
  struct Case {
    const char* field;
    Json value;
    const char* message;
  };
  for (const Case& c :
       {Case{"Subject", nullptr, "data[0].Subject: missing"},
        Case{"Due_Date", "12-18-2026", "data[0].Due_Date: expected a date"},
        Case{"Owner", "4150868000000225013", "data[0].Owner: expected an object"},
        Case{"Modified_Time", "yesterday", "data[0].Modified_Time"},
        Case{"$se_module", nullptr, "data[0].$se_module: missing beside What_Id"}}) {
    Json json = Json::parse(kCrmTask);
    json[c.field] = c.value;
    auto task = ParseCrmTask(json, "data[0]");
    EXPECT_TRUE(absl::IsInvalidArgument(task.status())) << c.field;
    EXPECT_THAT(std::string(task.status().message()), HasSubstr(c.message));
  }
}

TEST(CrmCodec, WriteEncodesOnlyGivenFieldsAndNullsForClears) {
  auto json =
      CrmTaskWriteToJson({.id = "1",
                          .description = std::optional<std::string>(),
                          .due_date = std::optional<absl::CivilDay>(absl::CivilDay(2027, 1, 8)),
                          .priority = "",
                          .owner_id = "9",
                          .what_id = "5",
                          .se_module = "Deals"});
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, Json::parse(R"({"id":"1","Description":null,"Due_Date":"2027-01-08",
      "Priority":null,"Owner":{"id":"9"},"What_Id":{"id":"5"},"$se_module":"Deals"})"));
  EXPECT_FALSE(CrmTaskWriteToJson({.what_id = "5"}).ok());
}

TEST(CrmCodec, PerRecordResultsKeepCodeAndField) {
  auto results = ParseCrmRecordResults(Json::parse(R"({"data":[
      {"code":"SUCCESS","details":{"id":"1","Modified_Time":"2026-11-23T09:30:00+00:00"},"message":"record updated","status":"success"},
      {"code":"INVALID_DATA","details":{"api_name":"Due_Date","expected_data_type":"date"},"message":"invalid data","status":"error"}]})"),
                                       "data");
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_TRUE((*results)[0].success);
  EXPECT_EQ((*results)[0].id, "1");
  EXPECT_FALSE((*results)[1].success);
  EXPECT_EQ((*results)[1].field, "Due_Date");
  EXPECT_FALSE(
      ParseCrmRecordResults(Json::parse(R"({"data":[{"code":"X","status":"maybe"}]})"), "data")
          .ok());
}

TEST(CrmCodec, NotificationIsDecoded) {
  auto notification = ParseCrmNotification(R"({"server_time":1795428648012,"query_params":{},
      "module":"Tasks","resource_uri":"https://www.zohoapis.com/crm/v2/Tasks",
      "ids":["4150868000001144034"],"affected_fields":[{"4150868000001144034":["Due_Date"]}],
      "operation":"update","channel_id":1000000068001,"token":"t0k"})");
  ASSERT_TRUE(notification.ok()) << notification.status();
  EXPECT_EQ(notification->operation, "update");
  EXPECT_EQ(notification->channel_id, "1000000068001");
  EXPECT_EQ(notification->affected_fields.at("4150868000001144034"),
            std::vector<std::string>{"Due_Date"});
  EXPECT_THAT(
      std::string(
          ParseCrmNotification(
              R"({"module":"Tasks","ids":[5],"operation":"update","channel_id":1,"token":"t","server_time":1})")
              .status()
              .message()),
      HasSubstr("ids[0]"));
  EXPECT_FALSE(
      ParseCrmNotification(
          R"({"module":"Tasks","ids":[],"operation":"merge","channel_id":1,"token":"t","server_time":1})")
          .ok());
}

// From ZOHO_API.md's Projects task fields.
constexpr char kProjectsTask[] = R"({
  "id": 170876000001234567, "id_string": "170876000001234567", "name": "Export data",
  "description": "", "priority": "Medium", "completed": false,
  "status": {"id": "170876000000012345", "name": "Open", "type": "open"},
  "start_date": "11-02-2026", "end_date": "12-18-2026 05:00 PM", "end_date_long": 1797613200000,
  "details": {"owners": [{"id": "2060758", "name": "Bob", "email": "bob@example.com"}]},
  "parent_task_id": "170876000001234000", "last_updated_time_long": 1795428648012})";

TEST(ProjectsCodec, TaskIsDecoded) {
  auto task = ParseProjectsTask(Json::parse(kProjectsTask), "tasks[0]");
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->id, "170876000001234567");
  EXPECT_EQ(task->priority, "Medium");
  EXPECT_EQ(task->status.type, "open");
  EXPECT_EQ(task->start_date, absl::CivilDay(2026, 11, 2));
  EXPECT_EQ(task->end_date, absl::CivilDay(2026, 12, 18));
  ASSERT_EQ(task->owners.size(), 1u);
  EXPECT_EQ(task->owners[0].email, "bob@example.com");
  EXPECT_EQ(task->parent_task_id, "170876000001234000");
  EXPECT_EQ(ToEpochMillis(task->last_updated_time), 1795428648012);
}

TEST(ProjectsCodec, LastUpdaterIsTakenWhenItNamesSomeone) {
  Json json = Json::parse(kProjectsTask);
  EXPECT_EQ(ParseProjectsTask(json, "")->last_updated_by, std::nullopt);
  json["last_updated_by"] = 2060758;
  EXPECT_EQ(ParseProjectsTask(json, "")->last_updated_by, "2060758");
  json["last_updated_by"] = "bob@example.com";
  EXPECT_EQ(ParseProjectsTask(json, "")->last_updated_by, "bob@example.com");
  json["last_updated_by"] = "";
  auto task = ParseProjectsTask(json, "");
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->last_updated_by, std::nullopt);
}

TEST(ProjectsCodec, UnassignedOwnerIsNoOwner) {
  Json json = Json::parse(kProjectsTask);
  json["details"]["owners"] = Json::parse(R"([{"name":"Unassigned"}])");
  EXPECT_TRUE(ParseProjectsTask(json, "")->owners.empty());
}

TEST(ProjectsCodec, BrokenTaskFieldsAreNamed) {
  struct Case {
    const char* field;
    Json value;
    const char* message;
  };
  for (const Case& c :
       {Case{"priority", "Urgent", "tasks[0].priority: unknown priority"},
        Case{"end_date", "2026-12-18", "tasks[0].end_date: expected a date"},
        Case{"completed", "false", "tasks[0].completed: expected a boolean"},
        Case{"status", nullptr, "tasks[0].status: missing"},
        Case{"last_updated_time_long", nullptr, "last_updated_time_long: missing"}}) {
    Json json = Json::parse(kProjectsTask);
    json[c.field] = c.value;
    auto task = ParseProjectsTask(json, "tasks[0]");
    EXPECT_TRUE(absl::IsInvalidArgument(task.status())) << c.field;
    EXPECT_THAT(std::string(task.status().message()), HasSubstr(c.message));
  }
}

TEST(ProjectsCodec, WriteBecomesFormParameters) {
  auto params = ProjectsTaskWriteToParams(
      {.name = "Export",
       .priority = "High",
       .start_date = std::optional<absl::CivilDay>(),
       .end_date = std::optional<absl::CivilDay>(absl::CivilDay(2027, 1, 8)),
       .owner_ids = std::vector<std::string>{"1", "2"},
       .custom_status = "77"});
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(http::FormEncode(*params),
            "name=Export&priority=high&start_date=&end_date=01-08-2027&person_responsible=1%2C2&"
            "custom_status=77");
  EXPECT_FALSE(ProjectsTaskWriteToParams({.priority = "urgent"}).ok());
}

// A comment as Zoho's "Get Comments" documentation shows it: the text under `content`.
constexpr char kDocumentedComment[] = R"({
  "id": 170876000001299001, "id_string": "170876000001299001", "content": "Looks good",
  "added_by": "2060758", "added_person": "Bob", "created_time_long": 1795428648012})";

// The same comment as captured from a real portal: the text under `comment`.
constexpr char kCapturedComment[] = R"({
  "id": 170876000001299001, "id_string": "170876000001299001", "comment": "Looks good",
  "added_by": "2060758", "added_person": "Bob", "created_time_long": 1795428648012})";

TEST(ProjectsCodec, CommentTextIsReadFromContentOrComment) {
  for (const char* text : {kDocumentedComment, kCapturedComment}) {
    auto comment = ParseProjectsComment(Json::parse(text), "comments[0]");
    ASSERT_TRUE(comment.ok()) << comment.status();
    EXPECT_EQ(comment->id, "170876000001299001");
    EXPECT_EQ(comment->content, "Looks good");
    EXPECT_EQ(comment->added_by, "2060758");
    EXPECT_EQ(ToEpochMillis(comment->created_time), 1795428648012);
  }
  Json both = Json::parse(kDocumentedComment);
  both["comment"] = "older text";
  EXPECT_EQ(ParseProjectsComment(both, "")->content, "Looks good");
  Json neither = Json::parse(kDocumentedComment);
  neither.erase("content");
  auto missing = ParseProjectsComment(neither, "comments[0]");
  EXPECT_TRUE(absl::IsInvalidArgument(missing.status()));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("comments[0].content: missing"));
  Json mistyped = Json::parse(kCapturedComment);
  mistyped["comment"] = 7;
  EXPECT_THAT(std::string(ParseProjectsComment(mistyped, "comments[0]").status().message()),
              HasSubstr("comments[0].comment"));
}

TEST(ProjectsCodec, ProjectNeedsItsStrictFlagAndWebhookItsIds) {
  auto project = ParseProjectsProject(
      Json::parse(
          R"({"id":1,"name":"P","start_date":"11-02-2026","end_date":"12-18-2026","is_strict":"yes"})"),
      "");
  ASSERT_TRUE(project.ok()) << project.status();
  EXPECT_TRUE(project->strict);
  auto lenient = ParseProjectsProject(Json::parse(R"({"id":2,"name":"Q","is_strict":"no"})"), "");
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  EXPECT_FALSE(lenient->strict);
  // Projects sends a string; a boolean is not its shape.
  EXPECT_THAT(std::string(ParseProjectsProject(
                              Json::parse(R"({"id":1,"name":"P","is_strict":true})"), "projects[0]")
                              .status()
                              .message()),
              HasSubstr("projects[0].is_strict"));
  EXPECT_THAT(std::string(ParseProjectsProject(Json::parse(R"({"id":1,"name":"P"})"), "projects[0]")
                              .status()
                              .message()),
              HasSubstr("projects[0].is_strict: missing"));
  auto webhook = ParseProjectsWebhook({{"event", "comment_add"},
                                       {"portal_id", "1"},
                                       {"project_id", "2"},
                                       {"task_id", "3"},
                                       {"comment_id", "4"},
                                       {"secret", "x"}});
  ASSERT_TRUE(webhook.ok());
  EXPECT_EQ(webhook->comment_id, "4");
  EXPECT_THAT(std::string(ParseProjectsWebhook({{"event", "task_update"}}).status().message()),
              HasSubstr("portal_id: missing"));
}

}  // namespace
}  // namespace crmsync::zoho

// CrmClient against the real zoho-sim process: every call, and its error paths.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/http/http_client.h"
#include "libs/http/retry.h"
#include "libs/zoho/accounts_client.h"
#include "libs/zoho/api_error.h"
#include "libs/zoho/crm_client.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::zoho {
namespace {

using crmsync::testing::ZohoSimProcess;
using ::testing::ElementsAre;
using ::testing::Field;

class CrmClientSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto sim = ZohoSimProcess::Start();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    auto refresh = sim_->SeedGrant("c", "s", "ann@example.com");
    ASSERT_TRUE(refresh.ok()) << refresh.status();
    refresh_token_ = *refresh;
    AccountsClient accounts(http_, sim_->base_url());
    auto token = accounts.Refresh({"c", "s"}, *refresh);
    ASSERT_TRUE(token.ok()) << token.status();
    token_ = token->access_token;
    crm_ = std::make_unique<CrmClient>(http_, token->api_domain);
    auto users = crm_->ListUsers(token_, 1);
    ASSERT_TRUE(users.ok()) << users.status();
    ann_id_ = users->records.at(0).id;
  }

  std::string SeedAccount(const std::string& name) {
    auto account =
        sim_->Control(http::Method::kPost, "/_sim/crm/Accounts", {{"Account_Name", name}});
    EXPECT_TRUE(account.ok()) << account.status();
    return (*account)["id"];
  }

  std::string CreateTask(CrmTaskWrite task) {
    auto results = crm_->CreateTasks(token_, {task});
    EXPECT_TRUE(results.ok()) << results.status();
    EXPECT_TRUE(results->at(0).success) << results->at(0).code;
    return results->at(0).id.value_or("");
  }

  std::unique_ptr<ZohoSimProcess> sim_;
  http::CurlHttpClient http_;
  std::unique_ptr<CrmClient> crm_;
  std::string refresh_token_;
  std::string token_;
  std::string ann_id_;
};

TEST_F(CrmClientSimTest, CreatedTaskReadsBackWithEveryField) {
  const std::string account = SeedAccount("Acme Corp");
  const std::string id =
      CreateTask({.subject = "Call Acme",
                  .description = std::optional<std::string>("About renewal"),
                  .due_date = std::optional<absl::CivilDay>(absl::CivilDay(2026, 12, 1)),
                  .priority = "High",
                  .status = "In Progress",
                  .owner_id = ann_id_,
                  .what_id = account,
                  .se_module = "Accounts"});
  auto task = crm_->GetTask(token_, id);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->subject, "Call Acme");
  EXPECT_EQ(task->description, "About renewal");
  EXPECT_EQ(task->due_date, absl::CivilDay(2026, 12, 1));
  EXPECT_EQ(task->priority, "High");
  EXPECT_EQ(task->status, "In Progress");
  EXPECT_EQ(task->owner->id, ann_id_);
  EXPECT_EQ(task->what_id->id, account);
  EXPECT_EQ(task->se_module, "Accounts");
  EXPECT_LT(absl::Now() - task->modified_time, absl::Minutes(1));
}

TEST_F(CrmClientSimTest, MissingTaskIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(crm_->GetTask(token_, "123").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(crm_->GetTask(token_, "12&x=1").status()));
}

TEST_F(CrmClientSimTest, BatchUpdateReportsEachRecord) {
  const std::string a = CreateTask({.subject = "A"});
  const std::string b = CreateTask({.subject = "B"});
  auto results = crm_->UpdateTasks(
      token_, {{.id = a, .status = "Completed"},
               {.id = b,
                .due_date = std::optional<absl::CivilDay>(absl::CivilDay(2026, 12, 24)),
                .priority = "Urgent"},
               {.id = "999", .subject = "ghost"}});
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 3u);
  EXPECT_TRUE((*results)[0].success);
  EXPECT_FALSE((*results)[1].success);
  EXPECT_EQ((*results)[1].code, "INVALID_DATA");
  EXPECT_EQ((*results)[1].field, "Priority");
  EXPECT_FALSE((*results)[2].success);
  EXPECT_EQ(crm_->GetTask(token_, a)->status, "Completed");
  EXPECT_EQ(crm_->GetTask(token_, b)->due_date, std::nullopt);  // the rejected record is untouched
}

TEST_F(CrmClientSimTest, AllRejectedWriteStillGivesResults) {
  auto results =
      crm_->CreateTasks(token_, {{.description = std::optional<std::string>("no subject")}});
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->at(0).code, "MANDATORY_NOT_FOUND");
  EXPECT_EQ(results->at(0).field, "Subject");
}

TEST_F(CrmClientSimTest, ClearingAFieldSendsNull) {
  const std::string id = CreateTask(
      {.subject = "A", .due_date = std::optional<absl::CivilDay>(absl::CivilDay(2026, 12, 1))});
  auto results =
      crm_->UpdateTasks(token_, {{.id = id, .due_date = std::optional<absl::CivilDay>()}});
  ASSERT_TRUE(results.ok() && results->at(0).success);
  EXPECT_EQ(crm_->GetTask(token_, id)->due_date, std::nullopt);
}

TEST_F(CrmClientSimTest, MoreThan100RecordsAreRefusedBeforeSending) {
  std::vector<CrmTaskWrite> tasks(101, CrmTaskWrite{.id = "1", .subject = "x"});
  EXPECT_TRUE(absl::IsInvalidArgument(crm_->UpdateTasks(token_, tasks).status()));
  tasks.pop_back();
  auto results = crm_->UpdateTasks(token_, tasks);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(results->size(), 100u);
  EXPECT_TRUE(absl::IsInvalidArgument(crm_->UpdateTasks(token_, {{.subject = "no id"}}).status()));
}

TEST_F(CrmClientSimTest, GetTasksByIdsAndListModifiedSincePage) {
  const std::string a = CreateTask({.subject = "A"});
  const std::string b = CreateTask({.subject = "B"});
  auto both = crm_->GetTasks(token_, {a, b, "42"});
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_THAT(*both, ElementsAre(Field(&CrmTask::id, a), Field(&CrmTask::id, b)));

  const absl::Time before_edit = absl::Now();
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 5}}).ok());
  ASSERT_TRUE(crm_->UpdateTasks(token_, {{.id = b, .subject = "B2"}})->at(0).success);
  auto modified = crm_->ListTasks(token_, before_edit + absl::Seconds(2), 1);
  ASSERT_TRUE(modified.ok()) << modified.status();
  EXPECT_THAT(modified->records, ElementsAre(Field(&CrmTask::subject, "B2")));
  auto none = crm_->ListTasks(token_, absl::Now() + absl::Hours(1), 1);  // HTTP 304
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->records.empty());

  auto first = crm_->ListTasks(token_, std::nullopt, 1, 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->records.size(), 1u);
  EXPECT_TRUE(first->more_records);
  auto last = crm_->ListTasks(token_, std::nullopt, 2, 1);
  EXPECT_FALSE(last->more_records);
  EXPECT_TRUE(crm_->ListTasks(token_, std::nullopt, 3, 1)->records.empty());  // HTTP 204
}

TEST_F(CrmClientSimTest, DeletedTasksAreListedAndDeletingAgainFails) {
  const std::string id = CreateTask({.subject = "Doomed"});
  const absl::Time before = absl::Now() - absl::Seconds(1);
  ASSERT_TRUE(crm_->DeleteTask(token_, id).ok());
  EXPECT_TRUE(absl::IsNotFound(crm_->GetTask(token_, id).status()));
  auto deleted = crm_->ListDeletedTasks(token_, before, 1);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  ASSERT_EQ(deleted->records.size(), 1u);
  EXPECT_EQ(deleted->records[0].id, id);
  EXPECT_EQ(deleted->records[0].display_name, "Doomed");
  EXPECT_TRUE(crm_->ListDeletedTasks(token_, absl::Now() + absl::Hours(1), 1)->records.empty());
  auto again = crm_->DeleteTask(token_, id);
  EXPECT_TRUE(absl::IsInvalidArgument(again)) << again;
  EXPECT_EQ(ZohoErrorCode(again), "INVALID_DATA");
}

TEST_F(CrmClientSimTest, NotesAreAddedAndListed) {
  const std::string id = CreateTask({.subject = "A"});
  auto added = crm_->AddTaskNote(token_, id, "Status", "Customer called back");
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_TRUE(added->success);
  auto notes = crm_->ListTaskNotes(token_, id);
  ASSERT_TRUE(notes.ok()) << notes.status();
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_EQ((*notes)[0].id, added->id);
  EXPECT_EQ((*notes)[0].title, "Status");
  EXPECT_EQ((*notes)[0].content, "Customer called back");
  EXPECT_EQ((*notes)[0].parent_id, id);
  EXPECT_TRUE(crm_->ListTaskNotes(token_, CreateTask({.subject = "B"}))->empty());
  EXPECT_FALSE(crm_->AddTaskNote(token_, "999", std::nullopt, "x").ok());
}

TEST_F(CrmClientSimTest, TheOrgsNotesAreListedByModifiedTimeWithTheirParentAndCreator) {
  const std::string task = CreateTask({.subject = "A"});
  const absl::Time before = absl::Now() - absl::Seconds(2);
  auto added = crm_->AddTaskNote(token_, task, std::nullopt, "Customer called back");
  ASSERT_TRUE(added.ok()) << added.status();
  ASSERT_TRUE(added->id.has_value());

  auto modified = crm_->ListNotes(token_, before, 1);
  ASSERT_TRUE(modified.ok()) << modified.status();
  ASSERT_EQ(modified->records.size(), 1u);
  const CrmNote& note = modified->records[0];
  EXPECT_EQ(note.id, added->id);
  EXPECT_EQ(note.parent_id, task);
  EXPECT_EQ(note.parent_module, "Tasks");
  ASSERT_TRUE(note.created_by.has_value());
  EXPECT_EQ(note.created_by->id, ann_id_);
  EXPECT_GE(note.modified_time, note.created_time);
  EXPECT_FALSE(modified->more_records);
  auto none = crm_->ListNotes(token_, absl::Now() + absl::Hours(1), 1);  // HTTP 304
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->records.empty());
  EXPECT_TRUE(crm_->DeleteNote(token_, *added->id).ok());
  EXPECT_TRUE(crm_->ListNotes(token_, before, 1)->records.empty());
  EXPECT_TRUE(crm_->ListTaskNotes(token_, task)->empty());
}

TEST_F(CrmClientSimTest, AccountsDealsAndUsersAreListed) {
  const std::string account = SeedAccount("Acme Corp");
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/crm/Deals",
                            {{"Deal_Name", "Acme renewal"}, {"Account_Name", {{"id", account}}}})
                  .ok());
  auto accounts = crm_->ListAccounts(token_, 1);
  ASSERT_TRUE(accounts.ok()) << accounts.status();
  EXPECT_THAT(accounts->records, ElementsAre(Field(&CrmAccount::name, "Acme Corp")));
  auto deals = crm_->ListDeals(token_, 1);
  ASSERT_TRUE(deals.ok()) << deals.status();
  ASSERT_EQ(deals->records.size(), 1u);
  EXPECT_EQ(deals->records[0].name, "Acme renewal");
  EXPECT_EQ(deals->records[0].account->id, account);
  auto users = crm_->ListUsers(token_, 1);
  EXPECT_THAT(users->records, ElementsAre(Field(&CrmUser::email, "ann@example.com")));
}

TEST_F(CrmClientSimTest, WatchChannelIsEnabledRenewedAndDisabled) {
  httplib::Server receiver;
  std::mutex mutex;
  std::vector<std::string> bodies;
  receiver.Post("/crm", [&](const httplib::Request& req, httplib::Response&) {
    std::lock_guard lock(mutex);
    bodies.push_back(req.body);
  });
  const int port = receiver.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { receiver.listen_after_bind(); });
  while (!receiver.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  CrmWatchSpec spec{.channel_id = 1000000068001,
                    .events = {"Tasks.all"},
                    .notify_url = absl::StrCat("http://127.0.0.1:", port, "/crm"),
                    .token = "channel-secret",
                    .expiry = absl::Now() + absl::Hours(6)};
  auto enabled = crm_->EnableWatch(token_, spec);
  ASSERT_TRUE(enabled.ok()) << enabled.status();
  ASSERT_EQ(enabled->size(), 1u);
  EXPECT_EQ((*enabled)[0].channel_id, "1000000068001");
  EXPECT_EQ((*enabled)[0].resource_name, "Tasks");

  spec.expiry = absl::Now() + absl::Hours(23);
  auto renewed = crm_->RenewWatch(token_, spec);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_GT((*renewed)[0].channel_expiry, absl::Now() + absl::Hours(22));

  const std::string id = CreateTask({.subject = "Watched"});
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mutex);
      if (!bodies.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(bodies.size(), 1u);
    auto notification = ParseCrmNotification(bodies[0]);
    ASSERT_TRUE(notification.ok()) << notification.status();
    EXPECT_EQ(notification->operation, "insert");
    EXPECT_EQ(notification->ids, std::vector<std::string>{id});
    EXPECT_EQ(notification->token, "channel-secret");
    EXPECT_EQ(notification->channel_id, "1000000068001");
  }

  ASSERT_TRUE(crm_->DisableWatch(token_, {1000000068001}).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(crm_->DisableWatch(token_, {1000000068001})));
  CrmWatchSpec unknown = spec;
  unknown.channel_id = 7;
  EXPECT_FALSE(crm_->RenewWatch(token_, unknown).ok());
  receiver.stop();
  serving.join();
}

TEST_F(CrmClientSimTest, ExpiryMoreThanADayAheadFallsBackToOneHour) {
  // "If it is not specified or set for more than a day, the default expiry time is for one
  // hour" (CRM v2 Enable Notifications): not a refusal.
  CrmWatchSpec spec{.channel_id = 1000000068002,
                    .events = {"Tasks.all"},
                    .notify_url = "http://127.0.0.1:9/crm",
                    .token = "channel-secret",
                    .expiry = absl::Now() + absl::Hours(25)};
  const absl::Time asked = absl::Now();
  auto enabled = crm_->EnableWatch(token_, spec);
  ASSERT_TRUE(enabled.ok()) << enabled.status();
  ASSERT_EQ(enabled->size(), 1u);
  EXPECT_GE((*enabled)[0].channel_expiry, asked + absl::Minutes(59));
  EXPECT_LE((*enabled)[0].channel_expiry, absl::Now() + absl::Minutes(61));

  spec.expiry = absl::Now() + absl::Hours(23);
  auto renewed = crm_->RenewWatch(token_, spec);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_GT((*renewed)[0].channel_expiry, absl::Now() + absl::Hours(22));
}

TEST_F(CrmClientSimTest, NotesCannotBeWatched) {
  // Notes is not among the modules Enable Notifications supports; CRM answers INVALID_DATA.
  for (const std::vector<std::string>& events :
       {std::vector<std::string>{"Notes.all"},
        std::vector<std::string>{"Tasks.all", "Notes.create"}}) {
    auto refused = crm_->EnableWatch(token_, {.channel_id = 1000000068003,
                                              .events = events,
                                              .notify_url = "http://127.0.0.1:9/crm",
                                              .token = "channel-secret"});
    EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
    EXPECT_EQ(ZohoErrorCode(refused.status()), "INVALID_DATA");
  }
  auto watched = sim_->Control(http::Method::kGet, "/_sim/crm/watch");
  ASSERT_TRUE(watched.ok()) << watched.status();
  EXPECT_TRUE(watched->is_null()) << watched->dump();  // 204: no channel was subscribed
}

TEST_F(CrmClientSimTest, SpentDailyCreditsAreTooManyRequestsUntilTheyComeBack) {
  auto set = sim_->Control(http::Method::kPost, "/_sim/crm/credits", {{"remaining", 2}});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ((*set)["remaining"], 2);
  EXPECT_TRUE(crm_->ListUsers(token_, 1).ok());
  EXPECT_TRUE(crm_->ListUsers(token_, 1).ok());
  auto spent = crm_->ListUsers(token_, 1);
  EXPECT_TRUE(absl::IsResourceExhausted(spent.status())) << spent.status();
  EXPECT_EQ(ZohoErrorCode(spent.status()), "TOO_MANY_REQUESTS");
  EXPECT_EQ((*sim_->Control(http::Method::kGet, "/_sim/crm/credits"))["remaining"], 0);

  // Credits are per rolling 24 hours: a day after the calls, they are back.
  ASSERT_TRUE(
      sim_->Control(http::Method::kPost, "/_sim/clock/advance", {{"seconds", 24 * 3600}}).ok());
  EXPECT_GE((*sim_->Control(http::Method::kGet, "/_sim/crm/credits"))["remaining"], 2);
  auto token = AccountsClient(http_, sim_->base_url()).Refresh({"c", "s"}, refresh_token_);
  ASSERT_TRUE(token.ok()) << token.status();
  auto later = crm_->ListUsers(token->access_token, 1);
  EXPECT_TRUE(later.ok()) << later.status();
}

TEST_F(CrmClientSimTest, RefusedTokenIsUnauthenticated) {
  auto task = crm_->GetTask("1000.forged", "1");
  EXPECT_TRUE(absl::IsUnauthenticated(task.status())) << task.status();
  EXPECT_EQ(ZohoErrorCode(task.status()), "INVALID_OAUTHTOKEN");
}

TEST_F(CrmClientSimTest, ThrottlingAndOutagesAreDistinct) {
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults", {{"error_429_share", 1.0}}).ok());
  auto throttled = crm_->ListUsers(token_, 1);
  EXPECT_TRUE(absl::IsResourceExhausted(throttled.status())) << throttled.status();
  EXPECT_EQ(ZohoErrorCode(throttled.status()), "TOO_MANY_REQUESTS");
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults", {{"error_5xx_share", 1.0}}).ok());
  EXPECT_TRUE(absl::IsUnavailable(crm_->ListUsers(token_, 1).status()));
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults", {{"drop_share", 1.0}}).ok());
  EXPECT_TRUE(absl::IsUnavailable(crm_->ListUsers(token_, 1).status()));
}

TEST_F(CrmClientSimTest, RetryingClientRidesOutTransientFaults) {
  ASSERT_TRUE(sim_->Control(http::Method::kPost, "/_sim/faults",
                            {{"error_429_share", 0.5}, {"duration_seconds", 60}})
                  .ok());
  http::RetryingHttpClient retrying(
      http_, {.backoff = {absl::Milliseconds(1), absl::Milliseconds(5), 2.0}, .max_attempts = 30});
  CrmClient crm(retrying, sim_->base_url());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(crm.ListUsers(token_, 1).ok());
}

}  // namespace
}  // namespace crmsync::zoho

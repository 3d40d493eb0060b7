// The notify store, server and senders against a real PostgreSQL.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "libs/pg/migrations.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/notify/method_roles.h"
#include "services/notify/notify_server.h"
#include "services/notify/pg_store.h"
#include "services/notify/schema.h"
#include "services/notify/sender.h"
#include "tests/services/notify/mime.h"
#include "tests/services/notify/seeds.h"
#include "tests/support/callers/callers.h"
#include "tests/support/pg/deadline_pool_options.h"
#include "tests/support/pg/test_database.h"

namespace crmsync::notify {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const absl::Time kStart = absl::FromUnixSeconds(1795424400);

class ScriptedTransport : public MailTransport {
 public:
  explicit ScriptedTransport(std::vector<SendOutcome> script) : script_(std::move(script)) {}
  SendOutcome Send(const Email& email, const absl::Notification&) override {
    sent.push_back(email);
    if (next_ < script_.size()) return script_[next_++];
    return {SendOutcome::Result::kSent, ""};
  }
  std::vector<Email> sent;

 private:
  std::vector<SendOutcome> script_;
  size_t next_ = 0;
};

class NotifyPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = crmsync::testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    pg::PoolOptions options;
    options.database_url = database_->url();
    options.schema = "notify";
    {
      auto migrator = pg::Pool::Create(options);
      ASSERT_TRUE(migrator.ok()) << migrator.status();
      auto migrated = pg::Migrate(**migrator, "notify", Migrations());
      ASSERT_TRUE(migrated.ok()) << migrated.status();
    }
    options.statements = Queries();
    auto pool = pg::Pool::Create(options);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgStore>(*pool_);
    queue_ = std::make_unique<work_queue::PgWorkQueue>(*pool_, kEmailQueue, clock_,
                                                       work_queue::RetryPolicy{3, {}},
                                                       queue_metrics_, PgStore::QueueHooks());
    templates_ = *Templates::Defaults();
    server_ = std::make_unique<NotifyServer>(*store_, templates_, clock_, metrics_);
    grpc_server_ = std::make_unique<crmsync::testing::JudgedServer>(
        std::vector<grpc::Service*>{server_.get()}, NotifyMethodRoles());
    stub_ = v1::NotifyService::NewStub(grpc_server_->service_channel());
  }
  grpc::Status Notify(const v1::NotifyFailureRequest& request, v1::NotifyFailureResponse* out) {
    grpc::ClientContext context;
    return stub_->NotifyFailure(&context, request, out);
  }
  v1::Notification MustNotify(const v1::NotifyFailureRequest& request) {
    v1::NotifyFailureResponse response;
    auto status = Notify(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.notification();
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
  std::unique_ptr<MailSender> Sender(ScriptedTransport** transport,
                                     std::vector<SendOutcome> script = {}, int max_attempts = 3,
                                     int digest_max = 1) {
    auto owned = std::make_unique<ScriptedTransport>(std::move(script));
    *transport = owned.get();
    SenderOptions options;
    options.max_attempts = max_attempts;
    options.lease = absl::Seconds(60);
    options.digest_max = digest_max;
    sender_queues_.push_back(std::make_unique<work_queue::PgWorkQueue>(
        *pool_, kEmailQueue, clock_, EmailRetryPolicy(options), queue_metrics_,
        PgStore::QueueHooks()));
    return std::make_unique<MailSender>(*store_, *sender_queues_.back(), templates_,
                                        std::move(owned), clock_, metrics_, options);
  }

  std::unique_ptr<crmsync::testing::TestDatabase> database_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgStore> store_;
  FakeClock clock_{kStart};
  prometheus::Registry registry_;
  NotifyMetrics metrics_{registry_};
  work_queue::Metrics queue_metrics_{registry_};
  std::unique_ptr<work_queue::PgWorkQueue> queue_;
  std::vector<std::unique_ptr<work_queue::PgWorkQueue>> sender_queues_;
  Templates templates_;
  std::unique_ptr<NotifyServer> server_;
  std::unique_ptr<crmsync::testing::JudgedServer> grpc_server_;
  std::unique_ptr<v1::NotifyService::Stub> stub_;
};

TEST_F(NotifyPgTest, NotifyFailureStoresAPendingNotification) {
  v1::NotifyFailureResponse response;
  ASSERT_TRUE(Notify(testing::GeorgeDueDate(), &response).ok());
  EXPECT_FALSE(response.duplicate());
  const auto& n = response.notification();
  EXPECT_FALSE(n.notification_id().empty());
  EXPECT_EQ(n.failure_id(), "failure-george-1");
  EXPECT_EQ(n.state(), v1::NOTIFICATION_STATE_PENDING);
  EXPECT_EQ(n.attempts(), 0);
  EXPECT_EQ(n.subject(), "Your due date change to \"Map legacy customer fields\" was not applied");
  EXPECT_EQ(n.message_id(), MessageIdFor("failure-george-1"));
  EXPECT_EQ(n.recipient().display_name(), "George Miller");
  EXPECT_EQ(n.parameters().project_end_date().day(), 18);
  EXPECT_EQ(n.parameters().occur_time().seconds(), 1795424400);
  EXPECT_EQ(n.create_time().seconds(), absl::ToUnixSeconds(kStart));
  EXPECT_EQ(n.next_attempt_time().seconds(), absl::ToUnixSeconds(kStart));
  EXPECT_FALSE(n.has_sent_time());
}

TEST_F(NotifyPgTest, ARepeatedFailureIdReturnsTheFirstNotificationAndQueuesNothing) {
  const auto first = MustNotify(testing::GeorgeDueDate("failure-7"));
  auto changed = testing::LindaReopen("failure-7");
  v1::NotifyFailureResponse response;
  ASSERT_TRUE(Notify(changed, &response).ok());
  EXPECT_TRUE(response.duplicate());
  EXPECT_EQ(response.notification().notification_id(), first.notification_id());
  EXPECT_EQ(response.notification().recipient().email(), "george@example.com");
  EXPECT_EQ(response.notification().subject(), first.subject());

  ScriptedTransport* transport = nullptr;
  auto sender = Sender(&transport);
  EXPECT_EQ(*sender->SendDue(), 1);
  EXPECT_EQ(*sender->SendDue(), 0);
  EXPECT_EQ(transport->sent.size(), 1u);
}

TEST_F(NotifyPgTest, ConcurrentRepeatsStoreOneNotification) {
  std::vector<std::thread> threads;
  std::atomic<int> fresh{0}, duplicates{0}, errors{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      v1::NotifyFailureResponse response;
      if (!Notify(testing::LindaReopen("failure-race"), &response).ok()) {
        ++errors;
      } else {
        ++(response.duplicate() ? duplicates : fresh);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(fresh.load(), 1);
  EXPECT_EQ(duplicates.load(), 7);
}

TEST_F(NotifyPgTest, InvalidRequestsAreRefusedNamingTheField) {
  auto request = testing::GeorgeDueDate();
  request.mutable_recipient()->set_email("george at example.com");
  v1::NotifyFailureResponse response;
  auto status = Notify(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("recipient.email:"));
  request = testing::GeorgeDueDate();
  request.set_kind(static_cast<v1::NotificationKind>(9));
  status = Notify(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("kind:"));
  request = testing::GeorgeDueDate();
  request.mutable_recipient()->clear_email();
  status = Notify(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("recipient.email:"));
}

TEST_F(NotifyPgTest, GetByIdOrFailureId) {
  const auto stored = MustNotify(testing::LindaReopen());
  v1::GetNotificationRequest request;
  request.set_notification_id(stored.notification_id());
  v1::GetNotificationResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetNotification(&context, request, &response).ok());
  }
  EXPECT_EQ(response.notification().failure_id(), "failure-linda-1");
  EXPECT_EQ(Get("failure-linda-1").notification_id(), stored.notification_id());
  for (const char* missing : {"999999", "not-a-number"}) {
    request.set_notification_id(missing);
    grpc::ClientContext context;
    EXPECT_EQ(stub_->GetNotification(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  request.clear_key();
  grpc::ClientContext context;
  auto status = stub_->GetNotification(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("key:"));
}

// A caller's deadline bounds the statements run for it: while another transaction holds the
// notifications table, calls end with DEADLINE_EXCEEDED, nothing is stored behind the caller's
// back once the table is free, and the service answers at once afterwards.
TEST_F(NotifyPgTest, ADeadlinePassingWhileAStatementWaitsEndsItsWork) {
  auto pool = pg::Pool::Create(
      crmsync::testing::OnlyDeadlinesBoundWaits(database_->url(), "notify", Queries()));
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgStore store(**pool);
  NotifyServer server(store, templates_, clock_, metrics_);
  crmsync::testing::JudgedServer grpc_server({&server}, NotifyMethodRoles());
  auto stub = v1::NotifyService::NewStub(grpc_server.service_channel());
  const auto in_half_a_second = [] {
    return std::chrono::system_clock::now() + std::chrono::milliseconds(500);
  };

  pqxx::connection holder_connection(database_->url());
  auto holder = std::make_unique<pqxx::work>(holder_connection);
  holder->exec("LOCK TABLE notify.notifications IN ACCESS EXCLUSIVE MODE");
  {
    grpc::ClientContext context;
    context.set_deadline(in_half_a_second());
    v1::NotifyFailureResponse response;
    EXPECT_EQ(stub->NotifyFailure(&context, testing::LindaReopen(), &response).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  {
    grpc::ClientContext context;
    context.set_deadline(in_half_a_second());
    v1::GetNotificationRequest request;
    request.set_failure_id("failure-linda-1");
    v1::GetNotificationResponse response;
    EXPECT_EQ(stub->GetNotification(&context, request, &response).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  {
    grpc::ClientContext context;
    context.set_deadline(in_half_a_second());
    v1::ListNotificationsResponse response;
    EXPECT_EQ(stub->ListNotifications(&context, {}, &response).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  holder->abort();
  holder.reset();

  v1::GetNotificationRequest request;
  request.set_failure_id("failure-linda-1");
  v1::GetNotificationResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  EXPECT_EQ(stub->GetNotification(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND)
      << response.DebugString();
}

TEST_F(NotifyPgTest, ListFiltersAndPagesNewestFirst) {
  for (int i = 0; i < 7; ++i) {
    MustNotify(testing::GeorgeDueDate(absl::StrCat("g-", i)));
    clock_.Advance(absl::Seconds(1));
  }
  MustNotify(testing::LindaReopen("l-0"));
  auto other_portal = testing::LindaReopen("l-1");
  other_portal.set_portal_id("portal-2");
  MustNotify(other_portal);

  v1::ListNotificationsRequest request;
  request.set_portal_id("portal-1");
  request.set_recipient_email("GEORGE@example.com");
  request.set_page_size(3);
  std::vector<std::string> seen;
  std::string first_token;
  for (int page = 0; page < 5; ++page) {
    v1::ListNotificationsResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListNotifications(&context, request, &response).ok());
    for (const auto& n : response.notifications()) seen.push_back(n.failure_id());
    if (page == 0) first_token = response.next_page_token();
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"g-6", "g-5", "g-4", "g-3", "g-2", "g-1", "g-0"}));

  v1::ListNotificationsRequest by_portal;
  by_portal.set_portal_id("portal-2");
  v1::ListNotificationsResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListNotifications(&context, by_portal, &response).ok());
  }
  ASSERT_EQ(response.notifications_size(), 1);
  EXPECT_EQ(response.notifications(0).failure_id(), "l-1");
  EXPECT_TRUE(response.next_page_token().empty());

  v1::ListNotificationsRequest sent;
  sent.set_state(v1::NOTIFICATION_STATE_SENT);
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListNotifications(&context, sent, &response).ok());
  }
  EXPECT_EQ(response.notifications_size(), 0);

  // A token is bound to the filter it was issued for.
  sent.set_page_token(first_token);
  grpc::ClientContext context;
  auto status = stub_->ListNotifications(&context, sent, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("page_token:"));
  sent.clear_page_token();
  sent.set_page_size(-1);
  grpc::ClientContext context2;
  EXPECT_THAT(stub_->ListNotifications(&context2, sent, &response).error_message(),
              StartsWith("page_size:"));
}

TEST_F(NotifyPgTest, ConcurrentSendersNeverSendANotificationTwice) {
  auto parsed = FromProto(testing::GeorgeDueDate());
  for (int i = 0; i < 40; ++i) {
    parsed->failure_id = absl::StrCat("f-", i);
    ASSERT_TRUE(store_->Insert(*parsed, "s", kStart, kStart, absl::InfiniteFuture()).ok());
  }
  std::vector<ScriptedTransport*> transports(4);
  std::vector<std::unique_ptr<MailSender>> senders;
  for (auto& transport : transports) senders.push_back(Sender(&transport));
  std::vector<std::thread> threads;
  for (auto& sender : senders) {
    threads.emplace_back([&sender] {
      while (true) {
        auto claimed = sender->SendDue();
        ASSERT_TRUE(claimed.ok()) << claimed.status();
        if (*claimed == 0) return;
      }
    });
  }
  for (auto& t : threads) t.join();
  std::multiset<std::string> sent;
  for (const auto* transport : transports) {
    for (const auto& email : transport->sent)
      sent.insert(testing::Header(email.data, "Message-ID"));
  }
  EXPECT_EQ(sent.size(), 40u);
  EXPECT_EQ(std::set<std::string>(sent.begin(), sent.end()).size(), 40u);
}

TEST_F(NotifyPgTest, AClaimShowsAsSendingAndItsOutcomeOnTheNotification) {
  MustNotify(testing::LindaReopen());
  auto claims = queue_->ClaimDue(10, 1, absl::Seconds(30));
  ASSERT_EQ(claims->size(), 1u);
  auto n = Get("failure-linda-1");
  EXPECT_EQ(n.state(), v1::NOTIFICATION_STATE_SENDING);
  EXPECT_EQ(n.attempts(), 1);
  clock_.Advance(absl::Seconds(31));
  // Its lease ended: another sender takes it over, and the first one's late outcome is refused.
  auto second = queue_->ClaimDue(10, 1, absl::Seconds(30));
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ(queue_->Complete((*claims)[0], work_queue::Outcome::Done()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Get("failure-linda-1").state(), v1::NOTIFICATION_STATE_SENDING);
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(queue_->Complete((*second)[0], work_queue::Outcome::Done()).ok());
  n = Get("failure-linda-1");
  EXPECT_EQ(n.state(), v1::NOTIFICATION_STATE_SENT);
  EXPECT_EQ(n.attempts(), 2);
  EXPECT_EQ(n.sent_time().seconds(), absl::ToUnixSeconds(kStart) + 33);
  EXPECT_FALSE(n.has_next_attempt_time());
}

TEST_F(NotifyPgTest, TransientErrorsAreRetriedWithBackoffThenSent) {
  MustNotify(testing::GeorgeDueDate());
  ScriptedTransport* transport = nullptr;
  auto sender =
      Sender(&transport, {{SendOutcome::Result::kTransient, "451 4.3.0 try again later"}});
  EXPECT_EQ(*sender->SendDue(), 1);
  auto n = Get("failure-george-1");
  EXPECT_EQ(n.state(), v1::NOTIFICATION_STATE_PENDING);
  EXPECT_EQ(n.attempts(), 1);
  EXPECT_EQ(n.last_error(), "451 4.3.0 try again later");
  // The retry waits for a backoff under the first ceiling (2 s), not a moment less.
  const absl::Time next = absl::FromUnixSeconds(n.next_attempt_time().seconds()) +
                          absl::Nanoseconds(n.next_attempt_time().nanos());
  ASSERT_GT(next, clock_.Now());
  EXPECT_LE(next, clock_.Now() + absl::Seconds(2));
  EXPECT_EQ(*sender->SendDue(), 0);
  clock_.Set(next - absl::Microseconds(1));
  EXPECT_EQ(*sender->SendDue(), 0);
  clock_.Set(next);
  EXPECT_EQ(*sender->SendDue(), 1);
  n = Get("failure-george-1");
  EXPECT_EQ(n.state(), v1::NOTIFICATION_STATE_SENT);
  EXPECT_EQ(n.attempts(), 2);
  EXPECT_EQ(n.last_error(), "");
  ASSERT_EQ(transport->sent.size(), 2u);
  // The retry is the same message: same Message-ID, recipient, subject and text.
  for (const auto& email : transport->sent) {
    EXPECT_EQ(testing::Header(email.data, "Message-ID"), MessageIdFor("failure-george-1"));
    EXPECT_EQ(email.envelope_to, "george@example.com");
  }
  EXPECT_EQ(testing::Header(transport->sent[1].data, "Subject"),
            testing::Header(transport->sent[0].data, "Subject"));
  EXPECT_EQ(testing::Part(transport->sent[1].data, "text/plain"),
            testing::Part(transport->sent[0].data, "text/plain"));
}

TEST_F(NotifyPgTest, APermanentRefusalIsDeadAtOnceWithItsReason) {
  MustNotify(testing::LindaReopen());
  ScriptedTransport* transport = nullptr;
  auto sender =
      Sender(&transport, {{SendOutcome::Result::kPermanent, "550 5.1.1 mailbox unavailable"}});
  EXPECT_EQ(*sender->SendDue(), 1);
  const auto n = Get("failure-linda-1");
  EXPECT_EQ(n.state(), v1::NOTIFICATION_STATE_DEAD);
  EXPECT_EQ(n.last_error(), "550 5.1.1 mailbox unavailable");
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(*sender->SendDue(), 0);
}

TEST_F(NotifyPgTest, TheRetryBudgetEndsInDead) {
  MustNotify(testing::LindaReopen());
  ScriptedTransport* transport = nullptr;
  const SendOutcome refused{SendOutcome::Result::kTransient, "Couldn't connect to server"};
  auto sender = Sender(&transport, {refused, refused, refused, refused}, /*max_attempts=*/3);
  for (int i = 0; i < 5; ++i) {
    (void)sender->SendDue();
    clock_.Advance(absl::Hours(1));
  }
  EXPECT_EQ(transport->sent.size(), 3u);
  const auto n = Get("failure-linda-1");
  EXPECT_EQ(n.state(), v1::NOTIFICATION_STATE_DEAD);
  EXPECT_EQ(n.attempts(), 3);
  EXPECT_EQ(n.last_error(), "gave up after 3 attempts: Couldn't connect to server");
}

TEST_F(NotifyPgTest, ARecipientsFailuresWithinTheWindowGoOutAsOneDigest) {
  const absl::Duration window = absl::Seconds(60);
  auto insert = [&](const v1::NotifyFailureRequest& request) {
    auto parsed = FromProto(request);
    ASSERT_TRUE(parsed.ok());
    const std::string subject =
        RenderSubject(templates_.For(parsed->kind), parsed->recipient, parsed->parameters);
    ASSERT_TRUE(
        store_
            ->Insert(*parsed, subject, clock_.Now(), clock_.Now() + window, absl::InfiniteFuture())
            .ok());
  };
  insert(testing::GeorgeDueDate("g-1"));
  clock_.Advance(absl::Seconds(10));
  auto refused = testing::GeorgeDueDate("g-2");
  refused.set_kind(v1::NOTIFICATION_KIND_CHANGE_REFUSED_BY_OTHER_SIDE);
  refused.mutable_parameters()->set_task_title("Second task");
  refused.mutable_recipient()->set_email("George@Example.com");
  insert(refused);
  insert(testing::LindaReopen("l-1"));
  auto other_portal = testing::GeorgeDueDate("g-3");
  other_portal.set_portal_id("portal-2");
  insert(other_portal);

  ScriptedTransport* transport = nullptr;
  auto sender = Sender(&transport, {}, 3, /*digest_max=*/20);
  clock_.Advance(absl::Seconds(30));
  EXPECT_EQ(*sender->SendDue(), 0);  // nothing is due inside the window
  clock_.Advance(absl::Seconds(30));
  EXPECT_EQ(*sender->SendDue(), 4);
  ASSERT_EQ(transport->sent.size(), 3u);  // George's digest, Linda's email, George on portal-2
  std::map<std::string, std::string> by_subject;
  for (const auto& email : transport->sent) {
    by_subject[testing::Header(email.data, "Subject")] = email.data;
  }
  ASSERT_TRUE(by_subject.count("2 of your changes were not applied"));
  const std::string digest =
      testing::Part(by_subject["2 of your changes were not applied"], "text/plain");
  EXPECT_THAT(digest, HasSubstr("1 of 2: Your due date change to \"Map legacy customer fields\""));
  EXPECT_THAT(digest, HasSubstr("2 of 2: Your change to \"Second task\" was refused"));
  EXPECT_TRUE(by_subject.count("Your reopening of \"Verify imported contacts\" was not applied"));
  for (const char* id : {"g-1", "g-2", "g-3", "l-1"}) {
    EXPECT_EQ(Get(id).state(), v1::NOTIFICATION_STATE_SENT) << id;
  }
}

TEST_F(NotifyPgTest, TheEmailQueueMetricsCountWhatWaits) {
  MustNotify(testing::GeorgeDueDate());
  clock_.Advance(absl::Seconds(10));
  MustNotify(testing::LindaReopen());
  auto claims = queue_->ClaimDue(1, 1, absl::Seconds(60));
  ASSERT_EQ(claims->size(), 1u);
  ASSERT_TRUE(queue_->Complete((*claims)[0], work_queue::Outcome::Done()).ok());
  clock_.Advance(absl::Seconds(5));
  absl::Notification stop;
  stop.Notify();
  work_queue::Maintain(*pool_, clock_, queue_metrics_, {.queues = {kEmailQueue}}, stop);
  EXPECT_EQ(queue_metrics_.items.Add({{"queue", "notify_email"}, {"state", "pending"}}).Value(), 1);
  EXPECT_EQ(queue_metrics_.oldest_pending_age_seconds.Add({{"queue", "notify_email"}}).Value(), 5);
}

}  // namespace
}  // namespace crmsync::notify

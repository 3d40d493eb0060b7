// The crmsync-sync binary end to end: zoho-sim as Zoho, the real crmsync-auth and
// crmsync-mapping binaries, a real PostgreSQL. What a caller of SubmitChange sees when the rules
// read the live Projects state (a strict project's schedule, a closed parent task) and the owner
// goes through mapping's user links; FAILED_PRECONDITION when the portal has no Projects grant;
// and the one email the real crmsync-notify sends (to a real SMTP server) for a rejection; a CRM
// note's copy queued for Projects. The rules' tests link their tasks through the sync store;
// AddTaskToCrm links one through the binaries, from mapping's imported directory and the task as
// Projects has it. Resync repairs an edit whose webhook never came, for one task at once and for a
// portal in the background.
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "crmsync/sync/v1/webhooks.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "libs/crypto/aead.h"
#include "libs/grpc_server/proto_convert.h"
#include "libs/http/url.h"
#include "libs/pg/pool.h"
#include "libs/work_queue/pg_work_queue.h"
#include "libs/zoho/crm_client.h"
#include "services/sync/delivery.h"
#include "services/sync/outbox.h"
#include "services/sync/resync.h"
#include "services/sync/schema.h"
#include "services/sync/store/pg_delivery_store.h"
#include "services/sync/store/pg_inbox_store.h"
#include "services/sync/store/pg_store.h"
#include "tests/services/notify/mime.h"
#include "tests/services/notify/smtp_sink.h"
#include "tests/services/sync/outbox_writes.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/free_port.h"
#include "tests/support/process/serving_binary.h"
#include "tests/support/process/subprocess.h"
#include "tests/support/zoho_sim/sim_grant.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::sync {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kClientId[] = "1000.SYNCE2E";
constexpr char kClientSecret[] = "e2e-secret";
constexpr char kAdmin[] = "admin@acme.example";

class SyncIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = crmsync::testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    auto sim = crmsync::testing::ZohoSimProcess::Start();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    const std::vector<std::string> common = {"--database_url=" + database_->url(), "--grpc_port=0",
                                             "--metrics_port=0", "--listen_host=127.0.0.1",
                                             "--health_check_interval=200ms"};
    std::vector<std::string> auth_args = common;
    auth_args.push_back("--encryption_keys=" + std::string(absl::StripTrailingAsciiWhitespace(
                                                   crypto::KeySet::Generate("k1").Serialize())));
    auth_args.push_back("--allow_loopback_http");
    auth_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-auth", auth_args);
    ASSERT_NE(auth_.channel, nullptr);
    std::vector<std::string> mapping_args = common;
    mapping_args.push_back("--auth_address=" + auth_.address);
    mapping_args.push_back("--projects_api_url=" + sim_->base_url());
    mapping_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-mapping", mapping_args);
    ASSERT_NE(mapping_.channel, nullptr);
    mail_dir_ = (std::filesystem::temp_directory_path() /
                 absl::StrCat("crmsync_sync_it_", getpid(), "_", database_->name()))
                    .string();
    std::filesystem::create_directories(mail_dir_);
    sink_ = notify::SmtpSink::Start(mail_dir_);
    ASSERT_TRUE(sink_);
    std::vector<std::string> notify_args = common;
    notify_args.push_back(absl::StrCat("--smtp_url=smtp://127.0.0.1:", sink_->port));
    notify_args.push_back("--mail_from=crmsync@example.com");
    notify_args.push_back("--send_idle_poll=50ms");
    notify_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-notify", notify_args);
    ASSERT_NE(notify_.channel, nullptr);
    std::vector<std::string> sync_args = common;
    sync_args.push_back("--notify_address=" + notify_.address);
    sync_args.push_back("--relay_interval=50ms");
    // The outbox's writes stay queued where the tests look at them; DeliveryCrashTest delivers.
    sync_args.push_back("--delivery_workers=0");
    sync_args.push_back("--mapping_address=" + mapping_.address);
    sync_args.push_back("--auth_address=" + auth_.address);
    sync_args.push_back("--projects_api_url=" + sim_->base_url());
    // --webhook_port=0 turns the receivers off: they get a port of their own.
    const absl::StatusOr<int> webhook_port = crmsync::testing::FreePort();
    ASSERT_TRUE(webhook_port.ok()) << webhook_port.status();
    sync_args.push_back(absl::StrCat("--webhook_port=", *webhook_port));
    webhook_base_ = absl::StrCat("http://127.0.0.1:", *webhook_port);
    sync_args_ = sync_args;
    sync_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-sync", sync_args);
    ASSERT_NE(sync_.channel, nullptr);
    stub_ = v1::SyncService::NewStub(sync_.channel);
    mapping_stub_ = mapping::v1::MappingService::NewStub(mapping_.channel);
    refresh_token_ = *sim_->SeedGrant(kClientId, kClientSecret, kAdmin);

    pg::PoolOptions options;
    options.database_url = database_->url();
    options.schema = "sync";
    options.statements = Queries();
    auto pool = pg::Pool::Create(options);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgStore>(*pool_);

    const nlohmann::json portal = Control("/_sim/projects/portals", {{"name", "acme"}});
    portal_ = portal["id_string"];
    for (const auto& status : portal["task_statuses"]) {
      statuses_[status["name"].get<std::string>()] =
          status["id"].is_string() ? status["id"].get<std::string>() : status["id"].dump();
    }
    UpsertPortal(portal_);
  }

  void TearDown() override {
    if (!mail_dir_.empty()) std::filesystem::remove_all(mail_dir_);
  }

  // The emails the SMTP server received for `email`, once there are `count` of them (bounded).
  std::vector<notify::Mail> MailsTo(const std::string& email, size_t count) {
    std::vector<notify::Mail> mails;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      mails.clear();
      for (auto& mail : notify::Mailbox(mail_dir_)) {
        if (mail.rcpt_to == email) mails.push_back(std::move(mail));
      }
      if (mails.size() >= count) break;
      absl::SleepFor(absl::Milliseconds(50));  // polling the mailbox, bounded above
    }
    return mails;
  }

  // sync's failure relay queue, once nothing in it is pending or running (bounded).
  work_queue::QueueStats RelayDrained() {
    work_queue::QueueStats stats;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      auto read = work_queue::ReadStats(*pool_, kFailureRelayQueue, absl::Now());
      EXPECT_TRUE(read.ok()) << read.status();
      if (read.ok()) stats = *read;
      if (read.ok() && stats.pending == 0 && stats.running == 0) break;
      absl::SleepFor(absl::Milliseconds(50));  // polling the queue, bounded above
    }
    return stats;
  }

  // The state of notify's notification for `failure_id`, once SENT (bounded).
  notify::v1::NotificationState NotificationState(const std::string& failure_id) {
    auto notify = notify::v1::NotifyService::NewStub(notify_.channel);
    notify::v1::NotificationState state = notify::v1::NOTIFICATION_STATE_UNSPECIFIED;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (state != notify::v1::NOTIFICATION_STATE_SENT && absl::Now() < deadline) {
      notify::v1::GetNotificationRequest request;
      request.set_failure_id(failure_id);
      notify::v1::GetNotificationResponse response;
      grpc::ClientContext context;
      if (notify->GetNotification(&context, request, &response).ok()) {
        state = response.notification().state();
      }
      if (state != notify::v1::NOTIFICATION_STATE_SENT) {
        absl::SleepFor(absl::Milliseconds(50));  // polling notify's state, bounded above
      }
    }
    return state;
  }

  nlohmann::json Control(const std::string& path, const nlohmann::json& body) {
    auto reply = sim_->Control(http::Method::kPost, path, body);
    EXPECT_TRUE(reply.ok()) << path << ": " << reply.status();
    return reply.ok() ? *reply : nlohmann::json::object();
  }
  static std::string Id(const nlohmann::json& record) {
    return record["id"].is_string() ? record["id"].get<std::string>() : record["id"].dump();
  }

  void UpsertPortal(const std::string& portal, mapping::v1::RejectionPolicy policy =
                                                   mapping::v1::REJECTION_POLICY_UNSPECIFIED) {
    mapping::v1::UpsertPortalRequest request;
    request.mutable_portal()->set_portal_id(portal);
    request.mutable_portal()->set_name("Acme");
    request.mutable_portal()->set_crm_org_id("20050");
    request.mutable_portal()->set_rejection_policy(policy);
    mapping::v1::UpsertPortalResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(mapping_stub_->UpsertPortal(&context, request, &response).ok());
  }

  void RegisterGrant(common::v1::Side side, std::vector<std::string> scopes) {
    const grpc::Status status = crmsync::testing::RegisterSimGrant(
        auth_.channel, *sim_,
        {portal_, side, kClientId, kClientSecret, refresh_token_, std::move(scopes), kAdmin});
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // A project in Zoho Projects, strict from 2025-06-01 to 2025-06-30, with a task due 2025-06-20
  // and its subtask, both linked to CRM tasks; the parent is `parent_status` in Projects.
  void LinkedTasks(const std::string& parent_status) {
    project_ = Control("/_sim/projects/portals/" + portal_ + "/projects",
                       {{"name", "Data Migration"},
                        {"strict", true},
                        {"start_date", "06-01-2025"},
                        {"end_date", "06-30-2025"}})["id_string"];
    const std::string tasks =
        "/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks";
    const nlohmann::json parent =
        Control(tasks, {{"fields", {{"name", "Migrate data"}, {"end_date", "06-20-2025"}}},
                        {"user_email", kAdmin}});
    parent_ = Id(parent["tasks"][0]);
    const nlohmann::json sub = Control(tasks, {{"fields", {{"name", "Move invoices"}}},
                                               {"parent_task_id", parent_},
                                               {"user_email", kAdmin}});
    subtask_ = Id(sub["tasks"][0]);
    Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
            {{"fields", {{"custom_status", statuses_.at(parent_status)}}}});

    const absl::Time set = absl::FromUnixSeconds(1750000000);
    TaskLink link;
    link.portal_id = portal_;
    link.project_id = project_;
    link.projects_task_id = parent_;
    link.crm_task_id = "6000000012345";
    link.crm_module = CrmModule::kAccounts;
    link.crm_record_id = "6000000000077";
    link.state = LinkState::kActive;
    auto linked = store_->CreateLink(
        link,
        {{Field::kTitle, FieldState{std::string("Migrate data"), 1, Side::kProjects, set, "seed"}},
         {Field::kEndDate,
          FieldState{EndDate(absl::CivilDay(2025, 6, 20)), 1, Side::kProjects, set, "seed"}}},
        set);
    ASSERT_TRUE(linked.ok()) << linked.status();
    link.projects_task_id = subtask_;
    link.crm_task_id = "6000000012346";
    link.projects_parent_task_id = parent_;
    linked = store_->CreateLink(
        link, {{Field::kStatus, FieldState{TaskStatus::kClosed, 1, Side::kProjects, set, "seed"}}},
        set);
    ASSERT_TRUE(linked.ok()) << linked.status();
  }

  v1::TaskChange CrmChange(const std::string& crm_task_id, const std::string& event_id) {
    v1::TaskChange change;
    change.set_portal_id(portal_);
    change.set_origin_side(common::v1::SIDE_CRM);
    change.set_event_id(event_id);
    change.set_task_id(crm_task_id);
    change.mutable_actor()->set_user_id("4000000000007");
    change.mutable_actor()->set_email("george@example.com");
    *change.mutable_source_modified_time() = TimeUtil::GetCurrentTime();
    return change;
  }

  grpc::Status Submit(const v1::TaskChange& change, v1::ChangeOutcome* outcome) {
    v1::SubmitChangeRequest request;
    *request.mutable_change() = change;
    v1::SubmitChangeResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    const grpc::Status status = stub_->SubmitChange(&context, request, &response);
    *outcome = response.outcome();
    return status;
  }

  // A new webhook secret for `side` of the portal, through sync's admin service.
  std::string IssueWebhookSecret(common::v1::Side side) {
    auto admin = v1::SyncWebhookService::NewStub(sync_.channel);
    v1::IssueWebhookSecretRequest request;
    request.set_portal_id(portal_);
    request.set_side(side);
    v1::IssueWebhookSecretResponse response;
    grpc::ClientContext context;
    const grpc::Status status = admin->IssueWebhookSecret(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.secret();
  }

  // Plays the portal's admin in Projects: webhooks to sync's receiver with a secret just issued.
  void PointProjectsWebhooksAtSync() {
    const std::string secret = IssueWebhookSecret(common::v1::SIDE_PROJECTS);
    Control("/_sim/projects/portals/" + portal_ + "/webhook",
            {{"url", webhook_base_ + "/webhooks/projects"},
             {"secret_param", "crmsync_secret"},
             {"secret", secret}});
  }

  // POSTs `body` to sync's webhook receiver `path`; returns the HTTP status.
  int PostWebhook(const std::string& path, const std::string& content_type,
                  const std::string& body) {
    http::CurlHttpClient client;
    auto response = client.Send({.method = http::Method::kPost,
                                 .url = webhook_base_ + path,
                                 .headers = {{"Content-Type", content_type}},
                                 .body = body});
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->status : 0;
  }

  // sync's /metrics page.
  std::string SyncMetrics() {
    auto listening = sync_.process->WaitForLine(
        [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; },
        absl::Seconds(5));
    EXPECT_TRUE(listening.ok()) << listening.status();
    if (!listening.ok()) return "";
    http::CurlHttpClient client;
    auto response = client.Send(
        {.url = absl::StrCat("http://127.0.0.1:", (*listening)["metrics_port"].get<int>(),
                             "/metrics")});
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->body : "";
  }

  // The text of the comment copy that the one write on sync's outbox, pending, adds on `target`;
  // "" (and a failure) when the outbox holds anything else.
  std::string OnlyQueuedCommentCopy(Side target) {
    pqxx::connection connection(database_->url());
    pqxx::nontransaction tx(connection);
    const pqxx::result items = tx.exec(
        "SELECT state, payload FROM sync.work_items WHERE queue = 'sync_outbox' ORDER BY item_id");
    EXPECT_EQ(items.size(), 1u);
    if (items.size() != 1) return "";
    EXPECT_EQ(items[0]["state"].as<std::string>(), "PENDING");
    auto write = DecodeOutboxWrite(items[0]["payload"].as<std::string>());
    EXPECT_TRUE(write.ok()) << write.status();
    if (!write.ok()) return "";
    EXPECT_EQ(write->kind, OutboxKind::kAddComment);
    EXPECT_EQ(write->target_side, target);
    const pqxx::result copies = tx.exec_params(
        "SELECT content FROM sync.comment_copies WHERE copy_id = $1", write->copy_id);
    EXPECT_EQ(copies.size(), 1u);
    return copies.size() == 1 ? copies[0]["content"].as<std::string>() : "";
  }

  // Whether sync's /metrics shows `line`, waiting for it (bounded).
  bool MetricsShow(const std::string& line) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      if (absl::StrContains(SyncMetrics(), line)) return true;
      absl::SleepFor(absl::Milliseconds(100));  // polling the metrics, bounded above
    }
    return false;
  }

  // The canonical title of the task linked to `task_id` on `side`, once its text is `title`
  // (bounded).
  v1::FieldState TitleBecomes(common::v1::Side side, const std::string& task_id,
                              const std::string& title) {
    v1::FieldState seen;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (seen.value().text() != title && absl::Now() < deadline) {
      v1::GetTaskSyncStateRequest request;
      request.set_portal_id(portal_);
      request.mutable_task()->set_side(side);
      request.mutable_task()->set_task_id(task_id);
      v1::GetTaskSyncStateResponse response;
      grpc::ClientContext context;
      if (stub_->GetTaskSyncState(&context, request, &response).ok()) {
        for (const auto& field : response.state().fields()) {
          if (field.field() == v1::TASK_FIELD_TITLE) seen = field;
        }
      }
      if (seen.value().text() != title) {
        absl::SleepFor(absl::Milliseconds(50));  // polling the state, bounded above
      }
    }
    return seen;
  }

  grpc::Status Resync(const v1::ResyncRequest& request, v1::ResyncResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return stub_->Resync(&context, request, response);
  }

  // The last errors of `queue`'s items, for a failure's message.
  std::string QueueErrors(const std::string& queue) {
    pqxx::connection connection(database_->url());
    pqxx::nontransaction tx(connection);
    std::string errors;
    for (const auto& row :
         tx.exec_params("SELECT state, last_error FROM sync.work_items WHERE queue = $1", queue)) {
      absl::StrAppend(&errors, row["state"].as<std::string>(), ": ",
                      row["last_error"].as<std::string>(), "\n");
    }
    return errors;
  }

  // sync's resync queue, once nothing in it is pending or running (bounded).
  work_queue::QueueStats ResyncDrained() {
    work_queue::QueueStats stats;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      auto read = work_queue::ReadStats(*pool_, kResyncQueue, absl::Now());
      EXPECT_TRUE(read.ok()) << read.status();
      if (read.ok()) stats = *read;
      if (read.ok() && stats.pending == 0 && stats.running == 0) break;
      absl::SleepFor(absl::Milliseconds(50));  // polling the queue, bounded above
    }
    return stats;
  }

  // sync's inbox queue, once nothing in it is pending or running (bounded).
  work_queue::QueueStats InboxDrained() {
    work_queue::QueueStats stats;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      auto read = work_queue::ReadStats(*pool_, kInboxQueue, absl::Now());
      EXPECT_TRUE(read.ok()) << read.status();
      if (read.ok()) stats = *read;
      if (read.ok() && stats.pending == 0 && stats.running == 0) break;
      absl::SleepFor(absl::Milliseconds(50));  // polling the queue, bounded above
    }
    return stats;
  }

  std::unique_ptr<crmsync::testing::TestDatabase> database_;
  std::unique_ptr<crmsync::testing::ZohoSimProcess> sim_;
  std::vector<std::string> sync_args_;  // the flags sync_ was started with
  std::string webhook_base_;            // http://127.0.0.1:<webhook port>
  std::string mail_dir_;
  std::unique_ptr<notify::SmtpSink> sink_;
  crmsync::testing::ServingBinary auth_, mapping_, notify_, sync_;
  std::unique_ptr<v1::SyncService::Stub> stub_;
  std::unique_ptr<mapping::v1::MappingService::Stub> mapping_stub_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<PgStore> store_;
  std::map<std::string, std::string> statuses_;
  std::string refresh_token_, portal_, project_, parent_, subtask_;
};

const std::vector<std::string> kProjectsScopes = {
    "ZohoProjects.clients.READ", "ZohoProjects.projects.READ", "ZohoProjects.users.READ",
    "ZohoProjects.tasks.READ"};

TEST_F(SyncIntegrationTest, TheStrictScheduleIsReadLiveFromProjects) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Open");
  v1::TaskChange late = CrmChange("6000000012345", "due-late");
  late.mutable_fields()->mutable_end_date()->set_year(2025);
  late.mutable_fields()->mutable_end_date()->set_month(7);
  late.mutable_fields()->mutable_end_date()->set_day(15);
  v1::ChangeOutcome outcome;
  grpc::Status status = Submit(late, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_DUE_DATE_BEYOND_STRICT_SCHEDULE);
  EXPECT_EQ(outcome.message(),
            "End date 2025-07-15 is after the end of strict project Data Migration (2025-06-30)");

  // George gets one email naming the project and its schedule; the repeat records nothing new.
  v1::ChangeOutcome repeat;
  ASSERT_TRUE(Submit(late, &repeat).ok());
  EXPECT_EQ(repeat.result(), v1::OUTCOME_DUPLICATE);
  const std::vector<notify::Mail> mails = MailsTo("george@example.com", 1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(notify::testing::Header(mails[0].data, "Subject"),
            "Your due date change to \"Migrate data\" was not applied");
  const std::string text = notify::testing::Part(mails[0].data, "text/plain");
  EXPECT_THAT(text, HasSubstr("set End Date to 2025-07-15 in Zoho CRM"));
  EXPECT_THAT(text, HasSubstr("its schedule runs from 2025-06-01 to 2025-06-30"));
  EXPECT_THAT(text, HasSubstr("keeps the End Date 2025-06-20"));
  const work_queue::QueueStats relayed = RelayDrained();
  EXPECT_EQ(relayed.pending + relayed.running + relayed.dead, 0);
  // notify has recorded that one email as sent: nothing more is on its way.
  EXPECT_EQ(NotificationState(outcome.failure_id()), notify::v1::NOTIFICATION_STATE_SENT);
  EXPECT_EQ(MailsTo("george@example.com", 1).size(), 1u);

  v1::TaskChange last_day = CrmChange("6000000012345", "due-last-day");
  last_day.mutable_fields()->mutable_end_date()->set_year(2025);
  last_day.mutable_fields()->mutable_end_date()->set_month(6);
  last_day.mutable_fields()->mutable_end_date()->set_day(30);
  status = Submit(last_day, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(outcome.fields(0).version(), 2);
}

// With the portal set to REPORT_AND_RESTORE in mapping, George's end date past the strict
// schedule is refused and the kept end date is queued to be written back to his CRM task.
TEST_F(SyncIntegrationTest, UnderReportAndRestoreARefusedEndDateIsWrittenBackToCrm) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  UpsertPortal(portal_, mapping::v1::REJECTION_POLICY_REPORT_AND_RESTORE);
  LinkedTasks("Open");
  v1::TaskChange late = CrmChange("6000000012345", "due-late");
  *late.mutable_fields()->mutable_end_date() = ToProtoDate(absl::CivilDay(2025, 7, 15));
  v1::ChangeOutcome outcome;
  const grpc::Status status = Submit(late, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_DUE_DATE_BEYOND_STRICT_SCHEDULE);

  v1::GetTaskSyncStateRequest request;
  request.set_portal_id(portal_);
  request.mutable_task()->set_side(common::v1::SIDE_CRM);
  request.mutable_task()->set_task_id("6000000012345");
  v1::GetTaskSyncStateResponse response;
  grpc::ClientContext context;
  const grpc::Status read = stub_->GetTaskSyncState(&context, request, &response);
  ASSERT_TRUE(read.ok()) << read.error_message();
  const v1::TaskSyncState& state = response.state();
  EXPECT_EQ(state.fields(2).value().date().month(), 6);
  EXPECT_EQ(state.fields(2).value().date().day(), 20);
  ASSERT_EQ(state.pending_size(), 1);
  EXPECT_EQ(state.pending(0).kind(), v1::OUTBOX_KIND_UPDATE_TASK);
  EXPECT_EQ(state.pending(0).target_side(), common::v1::SIDE_CRM);
  ASSERT_EQ(state.pending(0).fields_size(), 1);
  EXPECT_EQ(state.pending(0).fields(0), v1::TASK_FIELD_END_DATE);
}

TEST_F(SyncIntegrationTest, ASubtaskIsNotReopenedUnderAParentClosedInProjects) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Closed");
  v1::TaskChange reopen = CrmChange("6000000012346", "reopen-1");
  reopen.mutable_fields()->set_side_status("In Progress");
  v1::ChangeOutcome outcome;
  grpc::Status status = Submit(reopen, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.result(), v1::OUTCOME_REJECTED);
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_SUBTASK_PARENT_CLOSED);
  EXPECT_THAT(outcome.message(), HasSubstr("Migrate data"));

  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"fields", {{"custom_status", statuses_.at("Open")}}}});
  reopen.set_event_id("reopen-2");
  status = Submit(reopen, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.result(), v1::OUTCOME_APPLIED);
}

TEST_F(SyncIntegrationTest, WithoutAProjectsGrantARuleCheckIsAFailedPrecondition) {
  LinkedTasks("Open");
  v1::TaskChange change = CrmChange("6000000012345", "no-grant");
  change.mutable_fields()->mutable_end_date()->set_year(2025);
  change.mutable_fields()->mutable_end_date()->set_month(6);
  change.mutable_fields()->mutable_end_date()->set_day(25);
  v1::ChangeOutcome outcome;
  const grpc::Status status = Submit(change, &outcome);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("Zoho Projects grant"));
  // A change no rule reads for goes through.
  v1::TaskChange title = CrmChange("6000000012345", "title-1");
  title.mutable_fields()->set_title("Migrate all data");
  ASSERT_TRUE(Submit(title, &outcome).ok());
  EXPECT_EQ(outcome.result(), v1::OUTCOME_APPLIED);
}

TEST_F(SyncIntegrationTest, AnOwnerIsLinkedThroughMappingsUsersByEmail) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.accounts.READ",
                                       "ZohoCRM.modules.deals.READ", "ZohoCRM.users.READ"});
  LinkedTasks("Open");
  const std::string projects_ana =
      Id(Control("/_sim/projects/portals/" + portal_ + "/users",
                 {{"name", "Ana Lima"}, {"email", "ana@example.com"}}));
  const std::string crm_ana =
      Id(Control("/_sim/crm/users", {{"email", "ana@example.com"}, {"full_name", "Ana L."}}));
  mapping::v1::ImportDirectoryRequest import;
  import.set_portal_id(portal_);
  import.add_parts(mapping::v1::DIRECTORY_PART_PROJECTS_USERS);
  import.add_parts(mapping::v1::DIRECTORY_PART_CRM_USERS);
  mapping::v1::ImportDirectoryResponse imported;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  const grpc::Status import_status = mapping_stub_->ImportDirectory(&context, import, &imported);
  ASSERT_TRUE(import_status.ok()) << import_status.error_message();

  v1::TaskChange change = CrmChange("6000000012345", "owner-1");
  change.mutable_fields()->set_owner_user_id(crm_ana);
  v1::ChangeOutcome outcome;
  ASSERT_TRUE(Submit(change, &outcome).ok());
  EXPECT_EQ(outcome.result(), v1::OUTCOME_APPLIED);
  auto task = store_->ReadTask(portal_, Side::kCrm, "6000000012345", absl::InfiniteFuture());
  ASSERT_TRUE(task.ok()) << task.status();
  const Owner& owner = std::get<Owner>((*task)->canonical.at(Field::kOwner).value);
  EXPECT_EQ(owner.projects_user_id, projects_ana);
  EXPECT_EQ(owner.email, "ana@example.com");

  change.set_event_id("owner-2");
  change.mutable_fields()->set_owner_user_id("4000000099999");
  ASSERT_TRUE(Submit(change, &outcome).ok());
  EXPECT_EQ(outcome.reason(), v1::FAILURE_REASON_UNKNOWN_OWNER);
}

TEST_F(SyncIntegrationTest, ATaskOfAProjectWhoseClientIsMappedIsAddedToCrmPendingCreate) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.accounts.READ",
                                       "ZohoCRM.modules.deals.READ", "ZohoCRM.users.READ"});
  const std::string sim_portal = "/_sim/projects/portals/" + portal_;
  const std::string client = Control(sim_portal + "/clients", {{"name", "Acme Corp"}})["id_string"];
  project_ = Control(sim_portal + "/projects",
                     {{"name", "Data Migration"}, {"client_id", client}})["id_string"];
  const std::string task = Id(Control(
      sim_portal + "/projects/" + project_ + "/tasks",
      {{"fields", {{"name", "Migrate data"}, {"end_date", "06-20-2025"}, {"priority", "high"}}},
       {"user_email", kAdmin}})["tasks"][0]);
  const std::string account = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "ACME Corp"}}));
  const std::string deal = Id(Control(
      "/_sim/crm/Deals", {{"Deal_Name", "Renewal 2027"}, {"Account_Name", {{"id", account}}}}));
  {
    mapping::v1::ImportDirectoryRequest import;
    import.set_portal_id(portal_);
    mapping::v1::ImportDirectoryResponse imported;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    const grpc::Status status = mapping_stub_->ImportDirectory(&context, import, &imported);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  {
    mapping::v1::MapAccountRequest map;
    map.set_portal_id(portal_);
    map.set_client_account_id(client);
    map.set_crm_account_id(account);
    mapping::v1::MapAccountResponse mapped;
    grpc::ClientContext context;
    const grpc::Status status = mapping_stub_->MapAccount(&context, map, &mapped);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const auto add = [&](const std::function<void(v1::AddTaskToCrmRequest&)>& target,
                       v1::AddTaskToCrmResponse* response) {
    v1::AddTaskToCrmRequest request;
    request.set_portal_id(portal_);
    request.set_project_id(project_);
    request.set_projects_task_id(task);
    request.mutable_actor()->set_email(kAdmin);
    target(request);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return stub_->AddTaskToCrm(&context, request, response);
  };

  // The deal belongs to the mapped account but is not associated with the project.
  v1::AddTaskToCrmResponse response;
  grpc::Status status =
      add([&](v1::AddTaskToCrmRequest& r) { r.set_crm_deal_id(deal); }, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("crm_deal_id: CRM deal ", deal,
                         " is not associated with the project Data Migration (", project_, ")"));

  const auto to_account = [&](v1::AddTaskToCrmRequest& r) { r.set_crm_account_id(account); };
  // A task Projects does not have in the project.
  status = add(
      [&](v1::AddTaskToCrmRequest& r) {
        to_account(r);
        r.set_projects_task_id("1700000099999");
      },
      &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            absl::StrCat("projects_task_id: Zoho Projects has no task 1700000099999 in project "
                         "Data Migration (",
                         project_, ")"));
  // Without a CRM grant the CRM task could not be created.
  {
    auto auth = auth::v1::AuthService::NewStub(auth_.channel);
    auth::v1::RevokeGrantRequest revoke;
    revoke.set_portal_id(portal_);
    revoke.set_side(common::v1::SIDE_CRM);
    revoke.set_local_only(true);
    auth::v1::RevokeGrantResponse revoked;
    grpc::ClientContext context;
    ASSERT_TRUE(auth->RevokeGrant(&context, revoke, &revoked).ok());
  }
  status = add(to_account, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(), absl::StrCat("portal ", portal_, " has no Zoho CRM grant"));
  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.accounts.READ"});

  status = add(to_account, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.link().state(), v1::LINK_STATE_PENDING_CREATE);
  EXPECT_EQ(response.link().crm_task_id(), "");
  EXPECT_EQ(response.link().crm_parent().record_id(), account);
  auto linked = store_->ReadTask(portal_, Side::kProjects, task, absl::InfiniteFuture());
  ASSERT_TRUE(linked.ok()) << linked.status();
  ASSERT_TRUE(linked->has_value());
  const CanonicalTask& canonical = (*linked)->canonical;
  EXPECT_EQ(std::get<std::string>(canonical.at(Field::kTitle).value), "Migrate data");
  EXPECT_EQ(std::get<EndDate>(canonical.at(Field::kEndDate).value), absl::CivilDay(2025, 6, 20));
  EXPECT_EQ(std::get<Priority>(canonical.at(Field::kPriority).value), Priority::kHigh);
  EXPECT_EQ(std::get<TaskStatus>(canonical.at(Field::kStatus).value), TaskStatus::kOpen);
  EXPECT_EQ(canonical.at(Field::kTitle).version, 1);
  // The CRM task's creation is queued once, keyed by the link.
  pqxx::connection connection(database_->url());
  pqxx::nontransaction tx(connection);
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM sync.work_items w JOIN sync.task_links l "
                            "ON w.item_key = 'create:' || l.link_id "
                            "WHERE w.queue = 'sync_outbox' AND l.projects_task_id = $1",
                            task)[0]
                .as<int>(),
            1);
}

// The failure and its relay item commit with the rejection; a sync killed before its relay
// called notify leaves them behind, and the sync started next emails George exactly once.
TEST_F(SyncIntegrationTest, AFailureCommittedBeforeAKillIsEmailedOnceAfterTheRestart) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Open");
  ASSERT_EQ(*sync_.process->Terminate(absl::Seconds(15)), 0);
  // This sync looked at its empty relay queue at start and will not look again for an hour.
  std::vector<std::string> idle_relay = sync_args_;
  idle_relay.push_back("--relay_interval=1h");
  sync_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-sync", idle_relay);
  ASSERT_NE(sync_.channel, nullptr);
  ASSERT_TRUE(sync_.process
                  ->WaitForLine(
                      [](const nlohmann::json& j) {
                        return j.value("msg", "") == "background task started" &&
                               j.value("task", "") == "failure_relay";
                      },
                      absl::Seconds(20))
                  .ok());
  stub_ = v1::SyncService::NewStub(sync_.channel);
  v1::TaskChange late = CrmChange("6000000012345", "due-late");
  late.mutable_fields()->mutable_end_date()->set_year(2025);
  late.mutable_fields()->mutable_end_date()->set_month(7);
  late.mutable_fields()->mutable_end_date()->set_day(15);
  v1::ChangeOutcome outcome;
  ASSERT_TRUE(Submit(late, &outcome).ok());
  ASSERT_EQ(outcome.result(), v1::OUTCOME_REJECTED);

  ASSERT_EQ(::kill(sync_.process->pid(), SIGKILL), 0);
  ASSERT_TRUE(sync_.process->Wait(absl::Seconds(15)).ok());
  auto queued = work_queue::ReadStats(*pool_, kFailureRelayQueue, absl::Now());
  ASSERT_TRUE(queued.ok()) << queued.status();
  EXPECT_EQ(queued->pending, 1);
  EXPECT_TRUE(notify::Mailbox(mail_dir_).empty());

  sync_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-sync", sync_args_);
  ASSERT_NE(sync_.channel, nullptr);
  const work_queue::QueueStats relayed = RelayDrained();
  EXPECT_EQ(relayed.pending + relayed.running + relayed.dead, 0);
  EXPECT_EQ(NotificationState(outcome.failure_id()), notify::v1::NOTIFICATION_STATE_SENT);
  const std::vector<notify::Mail> mails = MailsTo("george@example.com", 1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_THAT(notify::testing::Part(mails[0].data, "text/plain"),
              HasSubstr("its schedule runs from 2025-06-01 to 2025-06-30"));
}

// Exactly once on Zoho: a sync that dies right after Zoho took a create (the binary's crash hook
// kills it there with SIGKILL, before the outcome is recorded), and the sync started next takes
// the write over once its lease ends. Zoho ends up with one note, comment or task.
class DeliveryCrashTest : public SyncIntegrationTest {
 protected:
  void SetUp() override {
    SyncIntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.tasks.ALL", "ZohoCRM.modules.notes.ALL"});
    RegisterGrant(common::v1::SIDE_PROJECTS, {"ZohoProjects.tasks.ALL"});
    Control("/_sim/projects/portals/" + portal_ + "/users", {{"name", "Admin"}, {"email", kAdmin}});
    account_ = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "Globex"}}));
    project_ = Control("/_sim/projects/portals/" + portal_ + "/projects",
                       {{"name", "Data Migration"}})["id_string"];
    projects_task_ =
        Id(Control("/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks",
                   {{"fields", {{"name", "Migrate data"}}}, {"user_email", kAdmin}})["tasks"][0]);
    // One worker with a short lease, so the next sync takes a dead one's writes over soon.
    delivery_args_ = sync_args_;
    for (const char* flag : {"--delivery_workers=1", "--delivery_lease=3s", "--zoho_timeout=250ms",
                             "--delivery_poll=50ms"}) {
      delivery_args_.push_back(flag);
    }
    ASSERT_EQ(*sync_.process->Terminate(absl::Seconds(15)), 0);
    ::setenv("CRMSYNC_TEST_KILL_AFTER_ZOHO_CREATE", "1", 1);
    sync_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-sync", delivery_args_);
    ::unsetenv("CRMSYNC_TEST_KILL_AFTER_ZOHO_CREATE");
    ASSERT_NE(sync_.channel, nullptr);
  }

  // Links the Projects task, to a new CRM task on the account unless `pending_create`.
  int64_t LinkTask(bool pending_create) {
    TaskLink link;
    link.portal_id = portal_;
    link.project_id = project_;
    link.projects_task_id = projects_task_;
    link.crm_module = CrmModule::kAccounts;
    link.crm_record_id = account_;
    link.state = pending_create ? LinkState::kPendingCreate : LinkState::kActive;
    if (!pending_create) {
      crm_task_ = Id(Control("/_sim/crm/Tasks", {{"Subject", "Migrate data"},
                                                 {"What_Id", {{"id", account_}}},
                                                 {"$se_module", "Accounts"}}));
      link.crm_task_id = crm_task_;
    }
    const absl::Time set = absl::FromUnixSeconds(1750000000);
    auto linked = store_->CreateLink(
        link,
        {{Field::kTitle, FieldState{std::string("Migrate data"), 1, Side::kProjects, set, "seed"}}},
        set);
    EXPECT_TRUE(linked.ok()) << linked.status();
    auto id = testing::LinkIdOf(*pool_, projects_task_);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : 0;
  }

  // Waits for the sync to die of the crash hook (SIGKILL), with its write left RUNNING.
  void Killed() {
    auto exited = sync_.process->Wait(absl::Seconds(30));
    ASSERT_TRUE(exited.ok()) << exited.status();
    EXPECT_EQ(*exited, 128 + SIGKILL);
    auto stats = work_queue::ReadStats(*pool_, kOutboxQueue, absl::Now());
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->running, 1);
  }

  // Starts a sync without the crash hook.
  void Restarted() {
    sync_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-sync", delivery_args_);
    ASSERT_NE(sync_.channel, nullptr);
  }

  // The outbox once nothing in it is pending or running (bounded).
  work_queue::QueueStats OutboxDrained() {
    work_queue::QueueStats stats;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      auto read = work_queue::ReadStats(*pool_, kOutboxQueue, absl::Now());
      EXPECT_TRUE(read.ok()) << read.status();
      if (read.ok()) stats = *read;
      if (read.ok() && stats.pending == 0 && stats.running == 0) break;
      absl::SleepFor(absl::Milliseconds(50));  // polling the queue, bounded above
    }
    return stats;
  }

  int Calls(const std::string& endpoint) {
    auto counts = sim_->Control(http::Method::kGet, "/_sim/counts", nullptr);
    EXPECT_TRUE(counts.ok()) << counts.status();
    if (!counts.ok() || !(*counts)["counts"].contains(endpoint)) return 0;
    return (*counts)["counts"][endpoint].get<int>();
  }

  std::string CopyCommentId(int64_t copy_id) {
    PgDeliveryStore copies(*pool_);
    auto copy = copies.ReadCopy(copy_id);
    EXPECT_TRUE(copy.ok() && copy->has_value()) << copy.status();
    return copy.ok() && copy->has_value() ? (*copy)->copy_comment_id : "";
  }

  std::vector<std::string> delivery_args_;
  std::string account_, projects_task_, crm_task_;
};

TEST_F(DeliveryCrashTest, ANoteCrmTookBeforeTheKillIsNotAddedTwice) {
  const int64_t link = LinkTask(/*pending_create=*/false);
  const std::string content = "Ana Lima (Zoho Projects): invoices moved";
  auto copy = testing::QueueCommentCopy(*pool_, link, Side::kProjects, content, absl::Now());
  ASSERT_TRUE(copy.ok()) << copy.status();
  Killed();
  // CRM has the note; crmsync has not recorded it.
  EXPECT_EQ(Calls("POST /crm/v2/{module}/{id}/Notes"), 1);
  EXPECT_EQ(CopyCommentId(*copy), "");
  Restarted();
  const work_queue::QueueStats stats = OutboxDrained();
  EXPECT_EQ(stats.pending + stats.running + stats.dead, 0);
  EXPECT_EQ(Calls("POST /crm/v2/{module}/{id}/Notes"), 1);
  const std::string note_id = CopyCommentId(*copy);
  ASSERT_FALSE(note_id.empty());
  auto note = sim_->Control(http::Method::kGet, "/_sim/crm/Notes/" + note_id, nullptr);
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ((*note)["Note_Content"], absl::StrCat(content, CopyMarker(*copy)));
}

TEST_F(DeliveryCrashTest, ACommentProjectsTookBeforeTheKillIsNotAddedTwice) {
  const int64_t link = LinkTask(/*pending_create=*/false);
  const std::string content = "George (Zoho CRM): customer agreed";
  auto copy = testing::QueueCommentCopy(*pool_, link, Side::kCrm, content, absl::Now());
  ASSERT_TRUE(copy.ok()) << copy.status();
  Killed();
  EXPECT_EQ(Calls("POST /restapi/portal/{portal}/projects/{project}/tasks/{task}/comments/"), 1);
  EXPECT_EQ(CopyCommentId(*copy), "");
  Restarted();
  const work_queue::QueueStats stats = OutboxDrained();
  EXPECT_EQ(stats.pending + stats.running + stats.dead, 0);
  auto task =
      sim_->Control(http::Method::kGet,
                    "/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_, nullptr);
  ASSERT_TRUE(task.ok()) << task.status();
  ASSERT_EQ((*task)["comments"].size(), 1u);
  EXPECT_EQ(Id((*task)["comments"][0]), CopyCommentId(*copy));
  EXPECT_EQ((*task)["comments"][0]["content"], absl::StrCat(content, CopyMarker(*copy)));
}

TEST_F(DeliveryCrashTest, ACrmTaskCreatedBeforeTheKillIsCreatedOnceAndLinked) {
  const int64_t link = LinkTask(/*pending_create=*/true);
  OutboxWrite create;
  create.kind = OutboxKind::kCreateTask;
  create.target_side = Side::kCrm;
  create.link_id = link;
  create.origin_side = Side::kProjects;
  create.accept_time = absl::Now();
  ASSERT_TRUE(
      testing::QueueWrites(*pool_, {{absl::StrCat("create:", link), create}}, absl::Now()).ok());
  Killed();
  EXPECT_EQ(Calls("POST /crm/v2/{module}"), 1);
  auto pending = store_->ReadTask(portal_, Side::kProjects, projects_task_, absl::InfiniteFuture());
  ASSERT_TRUE(pending.ok() && pending->has_value()) << pending.status();
  EXPECT_EQ((*pending)->link.state, LinkState::kPendingCreate);
  Restarted();
  const work_queue::QueueStats stats = OutboxDrained();
  EXPECT_EQ(stats.pending + stats.running + stats.dead, 0);
  EXPECT_EQ(Calls("POST /crm/v2/{module}"), 1);
  auto task = store_->ReadTask(portal_, Side::kProjects, projects_task_, absl::InfiniteFuture());
  ASSERT_TRUE(task.ok() && task->has_value()) << task.status();
  EXPECT_EQ((*task)->link.state, LinkState::kActive);
  auto crm =
      sim_->Control(http::Method::kGet, "/_sim/crm/Tasks/" + (*task)->link.crm_task_id, nullptr);
  ASSERT_TRUE(crm.ok()) << crm.status();
  EXPECT_EQ((*crm)["Subject"], "Migrate data");
}

// A person's edit in Projects reaches sync through the portal's webhook (delivered twice, as Zoho
// may): the task is read back from Projects and the edit applied once; the redelivery is a
// DUPLICATE of it.
TEST_F(SyncIntegrationTest, AnEditInProjectsArrivesThroughTheWebhookOnce) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Open");
  PointProjectsWebhooksAtSync();
  Control("/_sim/faults", {{"webhook_duplicate_share", 1.0}});
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"name", "Migrate data (phase 2)"}}}});

  const v1::FieldState title =
      TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate data (phase 2)");
  EXPECT_EQ(title.value().text(), "Migrate data (phase 2)");
  EXPECT_EQ(title.source_side(), common::v1::SIDE_PROJECTS);
  EXPECT_EQ(title.version(), 2);
  const work_queue::QueueStats inbox = InboxDrained();
  EXPECT_EQ(inbox.pending + inbox.running + inbox.dead, 0);
  const std::string metrics = SyncMetrics();
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_changes_total{origin=\"projects\",outcome=\"applied\"} 1"));
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_changes_total{origin=\"projects\",outcome=\"duplicate\"} 1"));
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_webhook_requests_total{side=\"projects\",status=\"200\"} 2"));
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate data (phase 2)").version(),
            2);
}

// A person's edit in Projects whose webhook never came is repaired by the task's Resync: both
// sides are read back (the linked CRM task is not in the simulator's CRM, so only Projects
// answers), the edit is applied, and a second Resync finds nothing new. Without a CRM grant the
// CRM side cannot be read and nothing is submitted.
TEST_F(SyncIntegrationTest, AnEditWithoutAWebhookIsRepairedByTheTasksResyncOnce) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Open");
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"name", "Migrate data (phase 2)"}}}});
  v1::ResyncRequest request;
  request.set_portal_id(portal_);
  request.mutable_task()->set_side(common::v1::SIDE_CRM);
  request.mutable_task()->set_task_id("6000000012345");
  v1::ResyncResponse response;
  EXPECT_EQ(Resync(request, &response).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate data").version(), 1);

  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.tasks.READ"});
  const grpc::Status status = Resync(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.tasks_queued(), 0);
  ASSERT_THAT(response.outcomes(), SizeIs(1));
  EXPECT_EQ(response.outcomes(0).result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(response.state().link().projects_task_id(), parent_);
  v1::FieldState title;
  for (const auto& field : response.state().fields()) {
    if (field.field() == v1::TASK_FIELD_TITLE) title = field;
  }
  EXPECT_EQ(title.value().text(), "Migrate data (phase 2)");
  EXPECT_EQ(title.source_side(), common::v1::SIDE_PROJECTS);
  EXPECT_EQ(title.version(), 2);

  request.mutable_task()->set_side(common::v1::SIDE_PROJECTS);
  request.mutable_task()->set_task_id(parent_);
  ASSERT_TRUE(Resync(request, &response).ok());
  ASSERT_THAT(response.outcomes(), SizeIs(1));
  EXPECT_EQ(response.outcomes(0).result(), v1::OUTCOME_DUPLICATE);
  EXPECT_EQ(response.outcomes(0).first_result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate data (phase 2)").version(),
            2);
}

// A portal's Resync queues each linked task once, however often it is asked while they wait
// (here for the CRM grant), and sync works through them in the background.
TEST_F(SyncIntegrationTest, APortalsResyncQueuesEachTaskOnceAndRepairsItInTheBackground) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Open");
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"name", "Migrate the data"}}}});
  v1::ResyncRequest request;
  request.set_portal_id(portal_);
  request.set_all_tasks(true);
  v1::ResyncResponse response;
  ASSERT_TRUE(Resync(request, &response).ok());
  EXPECT_EQ(response.tasks_queued(), 2);
  ASSERT_TRUE(Resync(request, &response).ok());
  EXPECT_EQ(response.tasks_queued(), 0);

  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.tasks.READ"});
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate the data").value().text(),
            "Migrate the data");
  const work_queue::QueueStats resync = ResyncDrained();
  EXPECT_EQ(resync.pending + resync.running + resync.dead, 0) << QueueErrors(kResyncQueue);
}

// A webhook that arrives before the portal's Projects grant exists is not taken for a task Zoho
// no longer has: it waits in the inbox and is applied once the grant is registered.
TEST_F(SyncIntegrationTest, AWebhookBeforeTheGrantIsAppliedOnceTheGrantExists) {
  LinkedTasks("Open");
  PointProjectsWebhooksAtSync();
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"name", "Migrate the data"}}}});
  auto waiting = sync_.process->WaitForLine(
      [](const nlohmann::json& j) {
        return j.value("msg", "") == "a webhook could not be processed yet; it will be retried";
      },
      absl::Seconds(30));
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  EXPECT_EQ(TitleBecomes(common::v1::SIDE_PROJECTS, parent_, "Migrate the data").value().text(),
            "Migrate the data");
}

// A person's edit in CRM reaches sync through the portal's watch channel: CRM's notification
// carries ids only, so the task is read back from CRM and its edit applied.
TEST_F(SyncIntegrationTest, AnEditInCrmArrivesThroughTheWatchChannel) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  RegisterGrant(common::v1::SIDE_CRM,
                {"ZohoCRM.modules.accounts.READ", "ZohoCRM.modules.deals.READ",
                 "ZohoCRM.users.READ", "ZohoCRM.modules.tasks.READ"});
  // The CRM task's owner (the admin, as CRM made them) is linked to Projects by email.
  Control("/_sim/projects/portals/" + portal_ + "/users", {{"name", "Admin"}, {"email", kAdmin}});
  mapping::v1::ImportDirectoryRequest import;
  import.set_portal_id(portal_);
  import.add_parts(mapping::v1::DIRECTORY_PART_PROJECTS_USERS);
  import.add_parts(mapping::v1::DIRECTORY_PART_CRM_USERS);
  mapping::v1::ImportDirectoryResponse imported;
  grpc::ClientContext import_context;
  import_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  ASSERT_TRUE(mapping_stub_->ImportDirectory(&import_context, import, &imported).ok());
  const std::string crm_task = Id(
      Control("/_sim/crm/Tasks", {{"Subject", "Call the customer"}, {"Due_Date", "2025-06-20"}}));
  project_ = Control("/_sim/projects/portals/" + portal_ + "/projects",
                     {{"name", "Onboarding"}})["id_string"];
  const std::string projects_task = Id(
      Control("/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks",
              {{"fields", {{"name", "Call the customer"}}}, {"user_email", kAdmin}})["tasks"][0]);
  TaskLink link;
  link.portal_id = portal_;
  link.project_id = project_;
  link.projects_task_id = projects_task;
  link.crm_task_id = crm_task;
  link.crm_module = CrmModule::kAccounts;
  link.crm_record_id = "6000000000077";
  link.state = LinkState::kActive;
  const absl::Time set = absl::FromUnixSeconds(1750000000);
  ASSERT_TRUE(store_
                  ->CreateLink(link,
                               {{Field::kTitle, FieldState{std::string("Call the customer"), 1,
                                                           Side::kProjects, set, "seed"}}},
                               set)
                  .ok());

  // The admin registers the portal's watch channel with the issued token.
  const std::string secret = IssueWebhookSecret(common::v1::SIDE_CRM);
  auto token = sim_->MintAccessToken(kClientId, kClientSecret, refresh_token_);
  ASSERT_TRUE(token.ok()) << token.status();
  http::CurlHttpClient http;
  zoho::CrmWatchSpec watch;
  watch.channel_id = 1000000001;
  watch.events = {"Tasks.all"};
  watch.notify_url = webhook_base_ + "/webhooks/crm?portal_id=" + portal_;
  watch.token = secret;
  auto watched = zoho::CrmClient(http, sim_->base_url()).EnableWatch(*token, watch);
  ASSERT_TRUE(watched.ok()) << watched.status();

  Control("/_sim/crm/Tasks/" + crm_task + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"Subject", "Call the customer back"}}}});
  const v1::FieldState title =
      TitleBecomes(common::v1::SIDE_CRM, crm_task, "Call the customer back");
  EXPECT_EQ(title.value().text(), "Call the customer back");
  EXPECT_EQ(title.source_side(), common::v1::SIDE_CRM);
  EXPECT_EQ(title.version(), 2);
}

// The portal's channel as CRM lists it, once `done` holds for it (bounded); null when it never
// did.
nlohmann::json WatchedChannel(crmsync::testing::ZohoSimProcess& sim, int64_t channel_id,
                              const std::function<bool(const nlohmann::json&)>& done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    auto listed = sim.Control(http::Method::kGet, "/_sim/crm/watch");
    nlohmann::json channel;
    if (listed.ok() && listed->is_object()) {
      for (const auto& c : (*listed)["watch"]) {
        if (c["channel_id"] == absl::StrCat(channel_id)) channel = c;
      }
    }
    if (done(channel)) return channel;
    absl::SleepFor(absl::Milliseconds(100));  // polling CRM's channels, bounded above
  }
  return nullptr;
}

// sync keeps the portal's CRM watch channel registered: it registers it with a token of its
// own, which the receiver then accepts, renews it before it expires, and registers it again
// once CRM dropped it.
TEST_F(SyncIntegrationTest, TheCrmWatchChannelIsRegisteredRenewedAndRestored) {
  RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.notifications.ALL", "ZohoCRM.modules.tasks.READ"});
  ASSERT_EQ(*sync_.process->Terminate(absl::Seconds(15)), 0);
  std::vector<std::string> watching = sync_args_;
  watching.push_back("--webhook_public_url=" + webhook_base_);
  watching.push_back("--crm_watch_lifetime=8s");
  sync_ = crmsync::testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-sync", watching);
  ASSERT_NE(sync_.channel, nullptr);
  auto admin = v1::SyncWebhookService::NewStub(sync_.channel);
  v1::WatchCrmTasksRequest request;
  request.set_portal_id(portal_);
  v1::WatchCrmTasksResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(admin->WatchCrmTasks(&context, request, &response).ok());
  const int64_t channel_id = response.channel_id();

  const nlohmann::json registered =
      WatchedChannel(*sim_, channel_id, [](const nlohmann::json& c) { return !c.is_null(); });
  ASSERT_FALSE(registered.is_null());
  EXPECT_EQ(registered["notify_url"], webhook_base_ + "/webhooks/crm?portal_id=" + portal_);
  EXPECT_EQ(registered["events"], nlohmann::json::array({"Tasks.all"}));
  const std::string task = Id(Control("/_sim/crm/Tasks", {{"Subject", "Call the customer"}}));
  Control("/_sim/crm/Tasks/" + task + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"Subject", "Call the customer back"}}}});
  EXPECT_TRUE(MetricsShow("crmsync_sync_webhook_requests_total{side=\"crm\",status=\"200\"} 1"));
  const std::string first_expiry = registered["channel_expiry"];
  const nlohmann::json renewed = WatchedChannel(*sim_, channel_id, [&](const nlohmann::json& c) {
    return !c.is_null() && c["channel_expiry"].get<std::string>() > first_expiry;
  });
  ASSERT_FALSE(renewed.is_null()) << "the channel was not renewed";

  auto token = sim_->MintAccessToken(kClientId, kClientSecret, refresh_token_);
  ASSERT_TRUE(token.ok()) << token.status();
  http::CurlHttpClient http;
  ASSERT_TRUE(zoho::CrmClient(http, sim_->base_url()).DisableWatch(*token, {channel_id}).ok());
  const nlohmann::json restored =
      WatchedChannel(*sim_, channel_id, [](const nlohmann::json& c) { return !c.is_null(); });
  ASSERT_FALSE(restored.is_null()) << "the dropped channel was not registered again";

  // The token of the channel registered again lets CRM's notifications in too.
  Control("/_sim/crm/Tasks/" + task + "/edit",
          {{"user_email", kAdmin}, {"fields", {{"Subject", "Call the customer today"}}}});
  EXPECT_TRUE(MetricsShow("crmsync_sync_webhook_requests_total{side=\"crm\",status=\"200\"} 2"));
  const std::string metrics = SyncMetrics();
  EXPECT_THAT(metrics,
              Not(HasSubstr("crmsync_sync_webhook_requests_total{side=\"crm\",status=\"401\"}")));
  EXPECT_THAT(metrics, HasSubstr("crmsync_sync_watch_channel_renewals_total{result=\"failed\"} 0"));
}

// A comment a person adds to the linked task in Projects reaches sync through the webhook: it is
// read back from Projects and its copy, signed with the author's name, is queued for CRM.
TEST_F(SyncIntegrationTest, ACommentInProjectsArrivesThroughTheWebhook) {
  RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
  LinkedTasks("Open");
  PointProjectsWebhooksAtSync();
  Control("/_sim/projects/portals/" + portal_ + "/users",
          {{"name", "Ana Lima"}, {"email", kAdmin}});
  Control("/_sim/projects/portals/" + portal_ + "/tasks/" + parent_ + "/comments",
          {{"user_email", kAdmin}, {"content", "Invoices moved"}});
  EXPECT_TRUE(
      MetricsShow("crmsync_sync_comments_total{origin=\"projects\",outcome=\"applied\"} 1"));
  EXPECT_EQ(OnlyQueuedCommentCopy(Side::kCrm), "Invoices moved\n\n— Ana Lima (via Zoho Projects)");
}

// Requests that are not Zoho's, or not well formed, are refused with their status and leave
// nothing in the inbox.
TEST_F(SyncIntegrationTest, AbusedWebhooksAreRefusedAndNothingIsStored) {
  const std::string projects_secret = IssueWebhookSecret(common::v1::SIDE_PROJECTS);
  const std::string crm_secret = IssueWebhookSecret(common::v1::SIDE_CRM);
  const std::string form = "application/x-www-form-urlencoded";
  const auto projects = [&](const std::string& portal, const std::string& secret,
                            const std::string& event) {
    return http::FormEncode({{"event", event},
                             {"portal_id", portal},
                             {"project_id", "1700000000001"},
                             {"task_id", "1700000000002"},
                             {"crmsync_secret", secret}});
  };
  EXPECT_EQ(PostWebhook("/webhooks/projects", form, projects(portal_, crm_secret, "task_update")),
            401);
  EXPECT_EQ(PostWebhook("/webhooks/projects", form, projects(portal_, "", "task_update")), 401);
  EXPECT_EQ(PostWebhook("/webhooks/projects", form,
                        projects("9999999999", projects_secret, "task_update")),
            404);
  EXPECT_EQ(
      PostWebhook("/webhooks/projects", form, projects(portal_, projects_secret, "task_renamed")),
      400);
  EXPECT_EQ(PostWebhook("/webhooks/projects", form,
                        projects(portal_, projects_secret, "task_update") +
                            "&description=" + std::string(1 << 20, 'a')),
            413);

  const auto crm = [&](const std::string& token) {
    return nlohmann::json{{"server_time", 1764500000000},
                          {"query_params", nlohmann::json::object()},
                          {"module", "Tasks"},
                          {"resource_uri", "https://www.zohoapis.com/crm/v2/Tasks"},
                          {"ids", {"6000000012345"}},
                          {"affected_fields", nlohmann::json::array()},
                          {"operation", "update"},
                          {"channel_id", "1000000001"},
                          {"token", token}}
        .dump();
  };
  const std::string json = "application/json";
  EXPECT_EQ(PostWebhook("/webhooks/crm?portal_id=" + portal_, json, crm(projects_secret)), 401);
  EXPECT_EQ(PostWebhook("/webhooks/crm?portal_id=9999999999", json, crm(crm_secret)), 404);
  EXPECT_EQ(PostWebhook("/webhooks/crm?portal_id=" + portal_, json, "{\"ids\": [1,"), 400);
  EXPECT_EQ(PostWebhook("/webhooks/crm", json, crm(crm_secret)), 400);
  EXPECT_EQ(PostWebhook("/webhooks/crm?portal_id=" + portal_, json,
                        crm(crm_secret) + std::string(1 << 20, ' ')),
            413);

  PgInboxStore inbox(*pool_);
  EXPECT_TRUE(absl::IsNotFound(inbox.GetRequest(1).status()));
  const std::string metrics = SyncMetrics();
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_webhook_requests_total{side=\"projects\",status=\"401\"} 2"));
  EXPECT_THAT(metrics,
              HasSubstr("crmsync_sync_webhook_requests_total{side=\"crm\",status=\"413\"} 1"));
  // The checks let Zoho's real request in, naming its portal in the notify_url's parameters
  // that CRM echoes.
  nlohmann::json echoed = nlohmann::json::parse(crm(crm_secret));
  echoed["query_params"] = {{"portal_id", portal_}};
  EXPECT_EQ(PostWebhook("/webhooks/crm", json, echoed.dump()), 200);
  EXPECT_TRUE(inbox.GetRequest(1).ok());
}

// Linda adds a note to the linked task in CRM: it is accepted, and its copy, signed with her name,
// waits on the outbox for Projects.
TEST_F(SyncIntegrationTest, ACrmNoteOnALinkedTaskIsQueuedForProjects) {
  LinkedTasks("Open");
  v1::SubmitCommentRequest request;
  v1::CommentChange* note = request.mutable_comment();
  note->set_portal_id(portal_);
  note->set_origin_side(common::v1::SIDE_CRM);
  note->set_event_id("note-6000000099999");
  note->set_task_id("6000000012345");
  note->set_comment_id("6000000099999");
  note->set_action(v1::COMMENT_ACTION_ADD);
  note->set_content("Customer confirmed the cut-over date.");
  note->mutable_author()->set_email("linda@example.com");
  note->mutable_author()->set_display_name("Linda Smith");
  *note->mutable_source_modified_time() = TimeUtil::GetCurrentTime();
  v1::SubmitCommentResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  const grpc::Status status = stub_->SubmitComment(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.outcome().result(), v1::OUTCOME_APPLIED);
  EXPECT_EQ(response.outcome().link().projects_task_id(), parent_);

  EXPECT_EQ(OnlyQueuedCommentCopy(Side::kProjects),
            "Customer confirmed the cut-over date.\n\n— Linda Smith (via Zoho CRM)");
}

}  // namespace
}  // namespace crmsync::sync

// The suite a sync end-to-end test runs against: zoho-sim as Zoho, the real crmsync-auth,
// crmsync-mapping, crmsync-notify (to a real SMTP server) and crmsync-sync binaries on a real
// PostgreSQL, with a Projects portal in the simulator and helpers that play Zoho's people and
// admins and read what sync did. Sync starts with SyncFlags(): by default its outbox's writes stay
// queued; DeliveryCrashTest restarts it delivering, with the crash hook after a create.
#ifndef CRMSYNC_TESTS_SERVICES_SYNC_SYNC_SUITE_H_
#define CRMSYNC_TESTS_SERVICES_SYNC_SYNC_SUITE_H_

#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "crmsync/sync/v1/webhooks.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
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
#include "tests/services/sync/sim_records.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/free_port.h"
#include "tests/support/process/serving_binary.h"
#include "tests/support/process/subprocess.h"
#include "tests/support/services/crmsync_services.h"
#include "tests/support/zoho_sim/sim_grant.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::sync {

inline constexpr char kClientId[] = "1000.SYNCE2E";
inline constexpr char kClientSecret[] = "e2e-secret";
inline constexpr char kAdmin[] = "admin@acme.example";

// The Projects grant's scopes the inbox and the rules read with.
inline const std::vector<std::string> kProjectsScopes = {
    "ZohoProjects.clients.READ", "ZohoProjects.projects.READ", "ZohoProjects.users.READ",
    "ZohoProjects.tasks.READ"};

class SyncIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = crmsync::testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    auto sim = crmsync::testing::ZohoSimProcess::Start();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    auth_ = crmsync::testing::StartAuth(database_->url());
    ASSERT_NE(auth_.channel, nullptr);
    mapping_ = crmsync::testing::StartMapping(database_->url(), auth_.address, sim_->base_url());
    ASSERT_NE(mapping_.channel, nullptr);
    mail_dir_ = (std::filesystem::temp_directory_path() /
                 absl::StrCat("crmsync_sync_it_", getpid(), "_", database_->name()))
                    .string();
    std::filesystem::create_directories(mail_dir_);
    sink_ = notify::SmtpSink::Start(mail_dir_);
    ASSERT_TRUE(sink_);
    notify_ = crmsync::testing::StartNotify(database_->url(), auth_.address, sink_->port);
    ASSERT_NE(notify_.channel, nullptr);
    std::vector<std::string> sync_args = crmsync::testing::ServiceFlags(database_->url());
    sync_args.push_back("--notify_address=" + notify_.address);
    sync_args.push_back("--relay_interval=50ms");
    for (const std::string& flag : SyncFlags()) sync_args.push_back(flag);
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

  // The flags sync starts with beside the suite's addresses and ports. By default the outbox's
  // writes stay queued where the tests look at them.
  virtual std::vector<std::string> SyncFlags() const { return {"--delivery_workers=0"}; }

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

  // POSTs to zoho-sim's control API; a failure fails the test and answers an empty object.
  nlohmann::json Control(const std::string& path, const nlohmann::json& body) {
    return SimControl(*sim_, path, body);
  }
  static std::string Id(const nlohmann::json& record) { return SimId(record); }

  // Has mapping import the portal's directory from both sides: `parts`, or all when empty.
  void ImportDirectory(const std::vector<mapping::v1::DirectoryPart>& parts = {}) {
    mapping::v1::ImportDirectoryRequest import;
    import.set_portal_id(portal_);
    for (const mapping::v1::DirectoryPart part : parts) import.add_parts(part);
    mapping::v1::ImportDirectoryResponse imported;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    const grpc::Status status = mapping_stub_->ImportDirectory(&context, import, &imported);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // Maps the Projects client `client` to the CRM account `account` in mapping.
  void MapAccount(const std::string& client, const std::string& account) {
    mapping::v1::MapAccountRequest map;
    map.set_portal_id(portal_);
    map.set_client_account_id(client);
    map.set_crm_account_id(account);
    mapping::v1::MapAccountResponse mapped;
    grpc::ClientContext context;
    const grpc::Status status = mapping_stub_->MapAccount(&context, map, &mapped);
    ASSERT_TRUE(status.ok()) << status.error_message();
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
        {{Field::kTitle,
          FieldState{std::string("Migrate data"), 1, Side::kProjects, set, "seed", {}}},
         {Field::kEndDate,
          FieldState{EndDate(absl::CivilDay(2025, 6, 20)), 1, Side::kProjects, set, "seed", {}}}},
        set);
    ASSERT_TRUE(linked.ok()) << linked.status();
    link.projects_task_id = subtask_;
    link.crm_task_id = "6000000012346";
    link.projects_parent_task_id = parent_;
    linked = store_->CreateLink(
        link,
        {{Field::kStatus, FieldState{TaskStatus::kClosed, 1, Side::kProjects, set, "seed", {}}}},
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
    *change.mutable_source_modified_time() = ::google::protobuf::util::TimeUtil::GetCurrentTime();
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

  // Plays the portal's admin asking sync for the portal's CRM watch channel; sets `response`.
  void WatchCrmTasks(v1::WatchCrmTasksResponse* response) {
    auto admin = v1::SyncWebhookService::NewStub(sync_.channel);
    v1::WatchCrmTasksRequest request;
    request.set_portal_id(portal_);
    grpc::ClientContext context;
    ASSERT_TRUE(admin->WatchCrmTasks(&context, request, response).ok());
  }

  // The linked tasks of LinkedTasks("Open"), read with the Projects grant, and Projects'
  // webhooks pointed at sync.
  void LinkedTasksWithProjectsWebhooks() {
    RegisterGrant(common::v1::SIDE_PROJECTS, kProjectsScopes);
    LinkedTasks("Open");
    PointProjectsWebhooksAtSync();
  }

  // A task "Call the customer" in CRM and in a new Projects project "Onboarding" (project_),
  // linked ACTIVE; the admin registers the portal's CRM watch channel for Tasks with the issued
  // token, pointed at sync's receiver. Sets `crm_task` and `projects_task`.
  void LinkedTasksWatchedInCrm(std::string* crm_task, std::string* projects_task) {
    *crm_task = Id(
        Control("/_sim/crm/Tasks", {{"Subject", "Call the customer"}, {"Due_Date", "2025-06-20"}}));
    project_ = Control("/_sim/projects/portals/" + portal_ + "/projects",
                       {{"name", "Onboarding"}})["id_string"];
    *projects_task = Id(
        Control("/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks",
                {{"fields", {{"name", "Call the customer"}}}, {"user_email", kAdmin}})["tasks"][0]);
    TaskLink link;
    link.portal_id = portal_;
    link.project_id = project_;
    link.projects_task_id = *projects_task;
    link.crm_task_id = *crm_task;
    link.crm_module = CrmModule::kAccounts;
    link.crm_record_id = "6000000000077";
    link.state = LinkState::kActive;
    const absl::Time set = absl::FromUnixSeconds(1750000000);
    ASSERT_TRUE(
        store_
            ->CreateLink(
                link,
                {{Field::kTitle,
                  FieldState{
                      std::string("Call the customer"), 1, Side::kProjects, set, "seed", {}}}},
                set)
            .ok());
    WatchCrm("/webhooks/crm");
  }

  // Plays CRM's admin: a watch channel on Tasks to sync's receiver at `path`, with a token sync
  // issued.
  void WatchCrm(const std::string& path) {
    const std::string secret = IssueWebhookSecret(common::v1::SIDE_CRM);
    auto token = sim_->MintAccessToken(kClientId, kClientSecret, refresh_token_);
    ASSERT_TRUE(token.ok()) << token.status();
    http::CurlHttpClient http;
    zoho::CrmWatchSpec watch;
    watch.channel_id = 1000000001;
    watch.events = {"Tasks.all"};
    watch.notify_url = webhook_base_ + path + "?portal_id=" + portal_;
    watch.token = secret;
    auto watched = zoho::CrmClient(http, sim_->base_url()).EnableWatch(*token, watch);
    ASSERT_TRUE(watched.ok()) << watched.status();
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

  // The sync state of the task linked to `task_id` on `side`, once `done` holds for it
  // (bounded); the last one read otherwise.
  v1::TaskSyncState StateOnce(common::v1::Side side, const std::string& task_id,
                              const std::function<bool(const v1::TaskSyncState&)>& done) {
    v1::TaskSyncState state;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      v1::GetTaskSyncStateRequest request;
      request.set_portal_id(portal_);
      request.mutable_task()->set_side(side);
      request.mutable_task()->set_task_id(task_id);
      v1::GetTaskSyncStateResponse response;
      grpc::ClientContext context;
      if (stub_->GetTaskSyncState(&context, request, &response).ok()) {
        state = response.state();
        if (done(state)) break;
      }
      absl::SleepFor(absl::Milliseconds(50));  // polling the state, bounded above
    }
    return state;
  }

  // The state of `field` in `state`; empty when it has none.
  static const v1::FieldState& FieldOf(const v1::TaskSyncState& state, v1::TaskField field) {
    for (const v1::FieldState& one : state.fields()) {
      if (one.field() == field) return one;
    }
    return v1::FieldState::default_instance();
  }

  // The canonical title of the task linked to `task_id` on `side`, once its text is `title`
  // (bounded).
  v1::FieldState TitleBecomes(common::v1::Side side, const std::string& task_id,
                              const std::string& title) {
    return FieldOf(StateOnce(side, task_id,
                             [&](const v1::TaskSyncState& state) {
                               return FieldOf(state, v1::TASK_FIELD_TITLE).value().text() == title;
                             }),
                   v1::TASK_FIELD_TITLE);
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

class DeliveryCrashTest : public SyncIntegrationTest {
 protected:
  void SetUp() override {
    SyncIntegrationTest::SetUp();
    if (HasFatalFailure()) return;
    RegisterGrant(common::v1::SIDE_CRM, {"ZohoCRM.modules.tasks.ALL", "ZohoCRM.modules.notes.ALL"});
    RegisterGrant(common::v1::SIDE_PROJECTS, {"ZohoProjects.tasks.ALL"});
    Control("/_sim/projects/portals/" + portal_ + "/users", {{"name", "Admin"}, {"email", kAdmin}});
    account_ = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "Globex"}}));
    const SimProjectTask made = MigrateDataTask(*sim_, portal_, kAdmin);
    project_ = made.project;
    projects_task_ = made.task;
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
        {{Field::kTitle,
          FieldState{std::string("Migrate data"), 1, Side::kProjects, set, "seed", {}}}},
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

}  // namespace crmsync::sync

#endif  // CRMSYNC_TESTS_SERVICES_SYNC_SYNC_SUITE_H_

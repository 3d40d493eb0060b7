// CrmNotesPoll against zoho-sim as Zoho CRM, with tokens from the real crmsync-auth binary, the
// change pipeline on a real PostgreSQL, and delivery writing the copies: what a person sees in
// Projects after a note is added to or deleted from a linked CRM task and the portal is polled.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/crypto/aead.h"
#include "libs/http/http_client.h"
#include "libs/work_queue/pg_work_queue.h"
#include "prometheus/registry.h"
#include "services/sync/delivery.h"
#include "services/sync/ingest/crm_notes_poll.h"
#include "services/sync/ingest/zoho_source.h"
#include "services/sync/outbox.h"
#include "services/sync/pipeline.h"
#include "services/sync/store/pg_delivery_store.h"
#include "services/sync/store/pg_store.h"
#include "services/sync/zoho_writes.h"
#include "tests/services/sync/builders.h"
#include "tests/services/sync/fake_reads.h"
#include "tests/services/sync/test_pool.h"
#include "tests/support/process/serving_binary.h"
#include "tests/support/zoho_sim/sim_grant.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::sync {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kClientId[] = "1000.NOTES";
constexpr char kClientSecret[] = "notes-secret";
constexpr char kAdmin[] = "admin@acme.example";
constexpr char kLinda[] = "linda@acme.example";
const absl::Time kSet = absl::FromUnixSeconds(1750000000);

std::string Id(const nlohmann::json& record) {
  return record["id"].is_string() ? record["id"].get<std::string>() : record["id"].dump();
}

class CrmNotesPollTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = MakeSyncTestPool();
    ASSERT_TRUE(pool.ok()) << pool.status();
    db_ = *std::move(pool);
    store_ = std::make_unique<PgStore>(*db_.pool);
    delivery_store_ = std::make_unique<PgDeliveryStore>(*db_.pool);
    auto sim = crmsync::testing::ZohoSimProcess::Start();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    auth_ = crmsync::testing::StartServing(
        CRMSYNC_BIN_DIR "/crmsync-auth",
        {"--database_url=" + db_.database->url(), "--grpc_port=0", "--metrics_port=0",
         "--listen_host=127.0.0.1", "--allow_loopback_http",
         "--encryption_keys=" + std::string(absl::StripTrailingAsciiWhitespace(
                                    crypto::KeySet::Generate("k1").Serialize()))});
    ASSERT_NE(auth_.channel, nullptr);

    portal_ = Control("/_sim/projects/portals", {{"name", "acme"}})["id_string"];
    Control("/_sim/projects/portals/" + portal_ + "/users", {{"name", "Admin"}, {"email", kAdmin}});
    Control("/_sim/crm/users", {{"email", kLinda}, {"full_name", "Linda Smith"}});
    refresh_token_ = *sim_->SeedGrant(kClientId, kClientSecret, kAdmin);
    RegisterGrant(common::v1::SIDE_CRM,
                  {"ZohoCRM.modules.tasks.ALL", "ZohoCRM.modules.notes.ALL",
                   "ZohoCRM.modules.tasks.READ", "ZohoCRM.modules.notes.READ"});
    RegisterGrant(common::v1::SIDE_PROJECTS, {"ZohoProjects.tasks.ALL"});
    portals_.portals[portal_] = PortalConfig{testing::DocumentedDefaultMaps()};

    account_ = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "Globex"}}));
    project_ = Control("/_sim/projects/portals/" + portal_ + "/projects",
                       {{"name", "Data Migration"}})["id_string"];
    projects_task_ =
        Id(Control("/_sim/projects/portals/" + portal_ + "/projects/" + project_ + "/tasks",
                   {{"fields", {{"name", "Migrate data"}}}, {"user_email", kAdmin}})["tasks"][0]);
    crm_task_ = CrmTask("Migrate data");
    Link();

    tokens_ = std::make_unique<AuthTokens>(auth_.address, "");
    pipeline_ =
        std::make_unique<ChangePipeline>(*store_, portals_, users_, projects_, clock_, metrics_);
    caller_ = std::make_unique<ZohoCaller>(*tokens_, http_, metrics_);
    source_ = std::make_unique<ZohoIngestSource>(*caller_, sim_->base_url());
    poll_ = std::make_unique<CrmNotesPoll>(*store_, *source_, *pipeline_, metrics_, clock_);
    writes_ = std::make_unique<ZohoDeliveryWrites>(*caller_, sim_->base_url());
    delivery_ = std::make_unique<Delivery>(*delivery_store_, portals_, *writes_, clock_, metrics_);
    queue_ = std::make_unique<work_queue::PgWorkQueue>(
        *db_.pool, kOutboxQueue, clock_,
        work_queue::RetryPolicy{5, {absl::Milliseconds(10), absl::Minutes(1), 2.0}}, queue_metrics_,
        PgDeliveryStore::OutboxHooks(
            [this](const work_queue::Claim& claim) { return delivery_->FailureOf(claim); }));
    worker_ = std::make_unique<work_queue::Worker>(
        *queue_,
        [this](const std::vector<work_queue::Claim>& unit, const absl::Notification& stop) {
          return delivery_->Deliver(unit, stop);
        },
        work_queue::WorkerOptions{.batch = 4, .group_limit = 50});
  }

  nlohmann::json Control(const std::string& path, const nlohmann::json& body) {
    auto reply = sim_->Control(http::Method::kPost, path, body);
    EXPECT_TRUE(reply.ok()) << path << ": " << reply.status();
    return reply.ok() ? *reply : nlohmann::json::object();
  }

  void RegisterGrant(common::v1::Side side, std::vector<std::string> scopes) {
    const grpc::Status status = crmsync::testing::RegisterSimGrant(
        auth_.channel, *sim_,
        {portal_, side, kClientId, kClientSecret, refresh_token_, std::move(scopes), kAdmin});
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  std::string CrmTask(const std::string& subject) {
    return Id(Control(
        "/_sim/crm/Tasks",
        {{"Subject", subject}, {"What_Id", {{"id", account_}}}, {"$se_module", "Accounts"}}));
  }

  void Link() {
    TaskLink link;
    link.portal_id = portal_;
    link.project_id = project_;
    link.projects_task_id = projects_task_;
    link.crm_task_id = crm_task_;
    link.crm_module = CrmModule::kAccounts;
    link.crm_record_id = account_;
    link.state = LinkState::kActive;
    auto linked = store_->CreateLink(
        link, {{Field::kTitle, testing::State(std::string("Migrate data"), 1, kSet)}}, kSet);
    ASSERT_TRUE(linked.ok()) << linked.status();
  }

  // A note Linda adds in CRM's UI; returns its id.
  std::string AddNote(const std::string& task_id, const std::string& content) {
    const nlohmann::json added = Control("/_sim/crm/Tasks/" + task_id + "/notes",
                                         {{"user_email", kLinda}, {"Note_Content", content}});
    return added["data"][0]["details"]["id"].get<std::string>();
  }

  int Poll() {
    absl::StatusOr<int> submitted = poll_->Poll(portal_, since_, absl::Now() + absl::Seconds(30));
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    return submitted.ok() ? *submitted : -1;
  }

  // Runs delivery until nothing is due (bounded); returns how many items it claimed.
  int Drain() {
    int claimed = 0;
    for (int round = 0; round < 20; ++round) {
      auto once = worker_->RunOnce(stop_);
      EXPECT_TRUE(once.ok()) << once.status();
      if (!once.ok() || *once == 0) break;
      claimed += *once;
    }
    return claimed;
  }

  // The texts of the comments Projects shows on the linked task.
  std::vector<std::string> ProjectsComments() {
    auto task = sim_->Control(http::Method::kGet,
                              "/_sim/projects/portals/" + portal_ + "/tasks/" + projects_task_);
    EXPECT_TRUE(task.ok()) << task.status();
    std::vector<std::string> texts;
    if (!task.ok()) return texts;
    for (const auto& comment : (*task)["comments"]) {
      texts.push_back(comment.value("content", comment.value("comment", "")));
    }
    return texts;
  }

  double Comments(const std::string& outcome) {
    return metrics_.comments.Add({{"origin", "crm"}, {"outcome", outcome}}).Value();
  }

  SyncTestPool db_;
  std::unique_ptr<crmsync::testing::ZohoSimProcess> sim_;
  crmsync::testing::ServingBinary auth_;
  std::string refresh_token_, portal_, account_, project_, projects_task_, crm_task_;
  const absl::Time since_ = absl::Now() - absl::Minutes(1);
  testing::FakePortals portals_;
  testing::FakeUsers users_;
  testing::FakeProjects projects_;
  FakeClock clock_{absl::Now()};
  prometheus::Registry registry_;
  SyncMetrics metrics_{registry_};
  work_queue::Metrics queue_metrics_{registry_};
  http::CurlHttpClient http_{{.total_timeout = absl::Seconds(10)}};
  std::unique_ptr<PgStore> store_;
  std::unique_ptr<PgDeliveryStore> delivery_store_;
  std::unique_ptr<AuthTokens> tokens_;
  std::unique_ptr<ZohoCaller> caller_;
  std::unique_ptr<ChangePipeline> pipeline_;
  std::unique_ptr<ZohoIngestSource> source_;
  std::unique_ptr<CrmNotesPoll> poll_;
  std::unique_ptr<ZohoDeliveryWrites> writes_;
  std::unique_ptr<Delivery> delivery_;
  std::unique_ptr<work_queue::PgWorkQueue> queue_;
  std::unique_ptr<work_queue::Worker> worker_;
  absl::Notification stop_;
};

TEST_F(CrmNotesPollTest, ANoteAddedInCrmReachesProjectsOnceAndOtherTasksNotesStayOut) {
  AddNote(crm_task_, "Customer confirmed the cut-over date.");
  AddNote(CrmTask("Not synced"), "Internal only.");

  EXPECT_EQ(Poll(), 1);
  EXPECT_EQ(Drain(), 1);
  EXPECT_THAT(ProjectsComments(),
              ::testing::ElementsAre(HasSubstr("Customer confirmed the cut-over date.\n\n— Linda "
                                               "Smith (via Zoho CRM)")));

  EXPECT_EQ(Poll(), 0);
  EXPECT_EQ(Comments("duplicate"), 1);
  EXPECT_EQ(Drain(), 0);
  EXPECT_THAT(ProjectsComments(), SizeIs(1));
}

TEST_F(CrmNotesPollTest, CrmsyncsOwnCopyInCrmIsNotSubmitted) {
  CommentChange comment;
  comment.portal_id = portal_;
  comment.origin_side = Side::kProjects;
  comment.event_id = "comment:1700000000099@add";
  comment.task_id = projects_task_;
  comment.comment_id = "1700000000099";
  comment.action = CommentAction::kAdd;
  comment.content = "Invoices moved.";
  comment.author.display_name = "Ana Lima";
  comment.source_modified_time = absl::Now();
  ASSERT_TRUE(pipeline_->SubmitComment(comment, absl::Now() + absl::Seconds(30)).ok());
  ASSERT_EQ(Drain(), 1);

  EXPECT_EQ(Poll(), 0);
  EXPECT_EQ(Comments("applied") + Comments("echo"), 0);
  EXPECT_EQ(Drain(), 0);
  EXPECT_THAT(ProjectsComments(), IsEmpty());
}

TEST_F(CrmNotesPollTest, ACopiedNoteDeletedInCrmIsDeletedFromProjects) {
  const std::string note = AddNote(crm_task_, "Customer confirmed the cut-over date.");
  ASSERT_EQ(Poll(), 1);
  ASSERT_EQ(Drain(), 1);
  ASSERT_THAT(ProjectsComments(), SizeIs(1));

  Control("/_sim/crm/Notes/" + note + "/delete", {{"user_email", kLinda}});

  EXPECT_EQ(Poll(), 1);
  EXPECT_EQ(Drain(), 1);
  EXPECT_THAT(ProjectsComments(), IsEmpty());
  EXPECT_EQ(Poll(), 0);
}

}  // namespace
}  // namespace crmsync::sync

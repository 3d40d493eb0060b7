// The in-process delivery fixture of the sync pg tests: a fresh PostgreSQL with the sync schema,
// zoho-sim as Zoho, tokens from the real crmsync-auth binary for a portal "acme" whose admin
// holds both grants, a CRM account "Globex", and Delivery running the outbox through a work-queue
// worker the test drives. A test derives from SimDeliveryTest, calls its SetUp first and adds its
// own records and parts.
#ifndef CRMSYNC_TESTS_SERVICES_SYNC_SIM_DELIVERY_FIXTURE_H_
#define CRMSYNC_TESTS_SERVICES_SYNC_SIM_DELIVERY_FIXTURE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "libs/http/http_client.h"
#include "libs/work_queue/pg_work_queue.h"
#include "prometheus/registry.h"
#include "services/sync/delivery.h"
#include "services/sync/outbox.h"
#include "services/sync/store/pg_delivery_store.h"
#include "services/sync/store/pg_store.h"
#include "services/sync/zoho_writes.h"
#include "tests/services/sync/builders.h"
#include "tests/services/sync/fake_reads.h"
#include "tests/services/sync/sim_records.h"
#include "tests/services/sync/test_pool.h"
#include "tests/support/process/serving_binary.h"
#include "tests/support/services/crmsync_services.h"
#include "tests/support/zoho_sim/sim_grant.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::sync {

class SimDeliveryTest : public ::testing::Test {
 public:
  static constexpr char kClientId[] = "1000.DELIVERY";
  static constexpr char kClientSecret[] = "delivery-secret";
  static constexpr char kAdmin[] = "admin@acme.example";
  static constexpr absl::Time kSet = absl::FromUnixSeconds(1750000000);

 protected:
  // `crm_scopes` are the CRM grant's scopes (the Projects grant has ZohoProjects.tasks.ALL).
  explicit SimDeliveryTest(std::vector<std::string> crm_scopes)
      : crm_scopes_(std::move(crm_scopes)) {}

  void SetUp() override {
    auto pool = MakeSyncTestPool();
    ASSERT_TRUE(pool.ok()) << pool.status();
    db_ = *std::move(pool);
    store_ = std::make_unique<PgStore>(*db_.pool);
    delivery_store_ = std::make_unique<PgDeliveryStore>(*db_.pool);
    auto sim = crmsync::testing::ZohoSimProcess::Start();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    auth_ = crmsync::testing::StartAuth(db_.database->url());
    ASSERT_NE(auth_.channel, nullptr);

    portal_ = Control("/_sim/projects/portals", {{"name", "acme"}})["id_string"];
    // The grant's owner is a user of the portal, as in Zoho (the comments they add name them).
    Control("/_sim/projects/portals/" + portal_ + "/users", {{"name", "Admin"}, {"email", kAdmin}});
    refresh_token_ = *sim_->SeedGrant(kClientId, kClientSecret, kAdmin);
    RegisterGrant(common::v1::SIDE_CRM, crm_scopes_);
    RegisterGrant(common::v1::SIDE_PROJECTS, {"ZohoProjects.tasks.ALL"});
    portals_.portals[portal_] = PortalConfig{testing::DocumentedDefaultMaps()};
    account_ = Id(Control("/_sim/crm/Accounts", {{"Account_Name", "Globex"}}));

    tokens_ = std::make_unique<AuthTokens>(auth_.service_channel);
    caller_ = std::make_unique<ZohoCaller>(*tokens_, http_, metrics_);
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
        work_queue::WorkerOptions{.batch = 100, .group_limit = 50, .whole_batch = true});
  }

  // POSTs to zoho-sim's control API; a failure fails the test and answers an empty object.
  nlohmann::json Control(const std::string& path, const nlohmann::json& body) {
    return SimControl(*sim_, path, body);
  }
  static std::string Id(const nlohmann::json& record) { return SimId(record); }

  void RegisterGrant(common::v1::Side side, std::vector<std::string> scopes) {
    const grpc::Status status = crmsync::testing::RegisterSimGrant(
        auth_.channel, *sim_,
        {portal_, side, kClientId, kClientSecret, refresh_token_, std::move(scopes), kAdmin});
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // A link of `projects_task` to `crm_task_id` on the account: ACTIVE, or PENDING_CREATE when
  // `crm_task_id` is empty (no CRM task yet).
  TaskLink LinkTo(const std::string& crm_task_id, const std::string& projects_task) const {
    TaskLink link;
    link.portal_id = portal_;
    link.project_id = project_;
    link.projects_task_id = projects_task;
    link.crm_task_id = crm_task_id;
    link.crm_module = CrmModule::kAccounts;
    link.crm_record_id = account_;
    link.state = crm_task_id.empty() ? LinkState::kPendingCreate : LinkState::kActive;
    return link;
  }

  // Runs the worker until nothing is due (bounded); returns how many items it claimed.
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

  const std::vector<std::string> crm_scopes_;
  SyncTestPool db_;
  std::unique_ptr<crmsync::testing::ZohoSimProcess> sim_;
  crmsync::testing::ServingBinary auth_;
  std::string refresh_token_, portal_, account_, project_, projects_task_;
  testing::FakePortals portals_;
  FakeClock clock_{absl::Now()};
  prometheus::Registry registry_;
  SyncMetrics metrics_{registry_};
  work_queue::Metrics queue_metrics_{registry_};
  http::CurlHttpClient http_{{.total_timeout = absl::Seconds(10)}};
  std::unique_ptr<PgStore> store_;
  std::unique_ptr<PgDeliveryStore> delivery_store_;
  std::unique_ptr<AuthTokens> tokens_;
  std::unique_ptr<ZohoCaller> caller_;
  std::unique_ptr<ZohoDeliveryWrites> writes_;
  std::unique_ptr<Delivery> delivery_;
  std::unique_ptr<work_queue::PgWorkQueue> queue_;
  std::unique_ptr<work_queue::Worker> worker_;
  absl::Notification stop_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_TESTS_SERVICES_SYNC_SIM_DELIVERY_FIXTURE_H_

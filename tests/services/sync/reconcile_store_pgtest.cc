// The reconciliation's record on a real PostgreSQL: one pass queued per portal with live links
// however many replicas ask at once, the next pass queued an interval after one is done (and
// none once the portal has no live link), and cursors that never move back.
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/common/clock.h"
#include "libs/work_queue/pg_work_queue.h"
#include "prometheus/registry.h"
#include "services/sync/store/pg_reconcile_store.h"
#include "services/sync/store/pg_store.h"
#include "tests/services/sync/test_pool.h"

namespace crmsync::sync {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1764460800);  // 2025-11-30
constexpr absl::Duration kInterval = absl::Seconds(60);

class ReconcileStorePgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = MakeSyncTestPool();
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgReconcileStore>(*pool_.pool);
    queue_ = std::make_unique<work_queue::PgWorkQueue>(*pool_.pool, kReconcileQueue, clock_,
                                                       work_queue::RetryPolicy{}, queue_metrics_,
                                                       PgReconcileStore::PassHooks(kInterval));
  }

  void Link(const std::string& portal_id, const std::string& projects_task_id, LinkState state) {
    TaskLink link;
    link.portal_id = portal_id;
    link.project_id = "880";
    link.projects_task_id = projects_task_id;
    link.crm_task_id = "6" + projects_task_id;
    link.crm_module = CrmModule::kAccounts;
    link.crm_record_id = "4876";
    link.state = state;
    auto linked = PgStore(*pool_.pool).CreateLink(link, {}, kStart);
    ASSERT_TRUE(linked.ok()) << linked.status();
  }

  work_queue::QueueStats Stats() {
    auto stats = work_queue::ReadStats(*pool_.pool, kReconcileQueue, clock_.Now());
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : work_queue::QueueStats{};
  }

  FakeClock clock_{kStart};
  SyncTestPool pool_;
  std::unique_ptr<PgReconcileStore> store_;
  prometheus::Registry registry_;
  work_queue::Metrics queue_metrics_{registry_};
  std::unique_ptr<work_queue::PgWorkQueue> queue_;
};

TEST_F(ReconcileStorePgTest, EachPortalWithLiveLinksGetsOnePassHoweverManyReplicasAsk) {
  Link("1001", "1700000000042", LinkState::kActive);
  Link("1001", "1700000000043", LinkState::kPendingCreate);
  Link("1002", "1700000000044", LinkState::kDeletedInCrm);
  std::vector<int> queued(4, 0);
  std::vector<std::thread> replicas;
  for (int i = 0; i < 4; ++i) {
    replicas.emplace_back([&, i] {
      PgReconcileStore replica(*pool_.pool);
      // Each at its own time, so that their items' keys differ.
      auto added = replica.QueuePasses(kStart + absl::Microseconds(i));
      EXPECT_TRUE(added.ok()) << added.status();
      if (added.ok()) queued[i] = *added;
    });
  }
  for (std::thread& replica : replicas) replica.join();
  EXPECT_EQ(queued[0] + queued[1] + queued[2] + queued[3], 1);
  EXPECT_EQ(Stats().pending, 1);

  // Whichever replica queued the pass, it is due by now.
  clock_.Advance(absl::Seconds(1));
  auto claims = queue_->ClaimDue(8, 1, absl::Minutes(1));
  ASSERT_TRUE(claims.ok()) << claims.status();
  ASSERT_EQ(claims->size(), 1u);
  EXPECT_EQ(claims->front().payload, "1001");
  // Running is as good as pending: nothing more is queued meanwhile.
  EXPECT_EQ(*store_->QueuePasses(kStart), 0);
}

TEST_F(ReconcileStorePgTest, ADonePassQueuesTheNextOneAnIntervalLater) {
  Link("1001", "1700000000042", LinkState::kActive);
  ASSERT_EQ(*store_->QueuePasses(kStart), 1);
  auto claims = queue_->ClaimDue(1, 1, absl::Minutes(1));
  ASSERT_TRUE(claims.ok() && claims->size() == 1) << claims.status();
  ASSERT_TRUE(queue_->Complete(claims->front(), work_queue::Outcome::Done()).ok());

  EXPECT_EQ(Stats().pending, 1);
  EXPECT_EQ(*store_->QueuePasses(kStart), 0);
  clock_.Advance(kInterval - absl::Seconds(1));
  EXPECT_TRUE(queue_->ClaimDue(1, 1, absl::Minutes(1))->empty());
  clock_.Advance(absl::Seconds(1));
  auto next = queue_->ClaimDue(1, 1, absl::Minutes(1));
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ(next->front().payload, "1001");
}

TEST_F(ReconcileStorePgTest, APortalWhoseLinksAreAllDeletedGetsNoNextPass) {
  Link("1001", "1700000000042", LinkState::kActive);
  ASSERT_EQ(*store_->QueuePasses(kStart), 1);
  auto claims = queue_->ClaimDue(1, 1, absl::Minutes(1));
  ASSERT_TRUE(claims.ok() && claims->size() == 1) << claims.status();
  {
    pqxx::connection connection(pool_.database->url());
    pqxx::work tx(connection);
    tx.exec("UPDATE sync.task_links SET state = 'deleted_in_projects'");
    tx.commit();
  }
  ASSERT_TRUE(queue_->Complete(claims->front(), work_queue::Outcome::Done()).ok());

  const work_queue::QueueStats stats = Stats();
  EXPECT_EQ(stats.pending + stats.running, 0);
  EXPECT_EQ(*store_->QueuePasses(kStart), 0);
  auto links = store_->LiveLinks("1001", absl::InfiniteFuture());
  ASSERT_TRUE(links.ok()) << links.status();
  EXPECT_TRUE(links->empty());
}

TEST_F(ReconcileStorePgTest, ACursorMovesOnlyForward) {
  const absl::Time later = kStart + absl::Minutes(5);
  ASSERT_TRUE(store_->AdvanceCursor("1001", Side::kCrm, later, later, absl::InfiniteFuture()).ok());
  ASSERT_TRUE(
      store_->AdvanceCursor("1001", Side::kCrm, kStart, later, absl::InfiniteFuture()).ok());
  ASSERT_TRUE(
      store_->AdvanceCursor("1001", Side::kProjects, kStart, later, absl::InfiniteFuture()).ok());

  auto cursors = store_->Cursors("1001", absl::InfiniteFuture());
  ASSERT_TRUE(cursors.ok()) << cursors.status();
  EXPECT_EQ(cursors->crm, later);
  EXPECT_EQ(cursors->projects, kStart);
  auto other = store_->Cursors("1002", absl::InfiniteFuture());
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_FALSE(other->crm.has_value());
  EXPECT_FALSE(other->projects.has_value());
}

}  // namespace
}  // namespace crmsync::sync

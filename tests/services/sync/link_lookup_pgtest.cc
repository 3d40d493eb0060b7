// Looking a task's link up (find_link, and lock_link, which every change takes) reads that one
// link, not every link of its portal: with 1,000 links in one portal, run as a generic plan (the
// way a pooled connection runs a prepared statement once PostgreSQL stops planning it per call)
// on a table not analyzed yet (a fresh deployment, or links added in bulk).
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/sync/schema.h"
#include "services/sync/store/pg_store.h"
#include "tests/services/sync/test_pool.h"

namespace crmsync::sync {
namespace {

constexpr char kPortal[] = "750000000000001";
constexpr int kLinks = 1000;

std::string ProjectsTaskId(int i) { return absl::StrCat("17000000", 10000 + i); }
std::string CrmTaskId(int i) { return absl::StrCat("60000000", 10000 + i); }

// The text of the sync query named `name`.
std::string QueryText(absl::string_view name) {
  for (const EmbeddedFile& query : Queries()) {
    if (query.name == name) return std::string(query.text);
  }
  ADD_FAILURE() << "no query " << name;
  return "";
}

// What one node of an EXPLAIN (ANALYZE, FORMAT JSON) plan and the nodes below it did.
struct Scanned {
  int seq_scans = 0;
  int64_t rows_removed_by_filter = 0;
};
void Walk(const nlohmann::json& node, Scanned& scanned) {
  if (node.value("Node Type", "") == "Seq Scan") ++scanned.seq_scans;
  scanned.rows_removed_by_filter += node.value("Rows Removed by Filter", int64_t{0}) +
                                    node.value("Rows Removed by Index Recheck", int64_t{0});
  for (const auto& child : node.value("Plans", nlohmann::json::array())) Walk(child, scanned);
}

class LinkLookupPgTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    auto pool = MakeSyncTestPool(2);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    PgStore store(*pool_.pool);
    for (int i = 0; i < kLinks; ++i) {
      TaskLink link;
      link.portal_id = kPortal;
      link.project_id = "1700000000001";
      link.projects_task_id = ProjectsTaskId(i);
      link.crm_task_id = CrmTaskId(i);
      link.crm_module = CrmModule::kAccounts;
      link.crm_record_id = "6000000000077";
      link.state = LinkState::kActive;
      ASSERT_TRUE(store.CreateLink(link, {}, absl::FromUnixSeconds(1795424400)).ok());
    }
  }

  // The plan of the query run for `task_id` on `side`, as a generic plan, and its result rows.
  nlohmann::json Plan(const std::string& side, const std::string& task_id) {
    nlohmann::json plan;
    const absl::Status status = pool_.pool->Transact([&](pqxx::transaction_base& tx) {
      tx.exec("SET LOCAL plan_cache_mode = force_generic_plan");
      tx.exec(absl::StrCat("PREPARE probe (text, text, text) AS ", QueryText(GetParam())));
      const pqxx::result rows =
          tx.exec(absl::StrCat("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE probe (", tx.quote(kPortal),
                               ", ", tx.quote(side), ", ", tx.quote(task_id), ")"));
      plan = nlohmann::json::parse(rows[0][0].as<std::string>())[0]["Plan"];
      tx.exec("DEALLOCATE probe");
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return plan;
  }

  SyncTestPool pool_;
};

TEST_P(LinkLookupPgTest, ReadsOnlyTheTasksLinkOnEitherSide) {
  for (const auto& [side, task_id] :
       {std::pair<std::string, std::string>{"crm", CrmTaskId(kLinks / 2)},
        std::pair<std::string, std::string>{"projects", ProjectsTaskId(kLinks / 2)}}) {
    const nlohmann::json plan = Plan(side, task_id);
    EXPECT_EQ(plan.value("Actual Rows", -1), 1) << side << ": " << plan.dump();
    Scanned scanned;
    Walk(plan, scanned);
    EXPECT_EQ(scanned.seq_scans, 0) << side << ": " << plan.dump();
    EXPECT_EQ(scanned.rows_removed_by_filter, 0) << side << ": " << plan.dump();
  }
}

TEST_P(LinkLookupPgTest, FindsNothingForTheOtherSidesId) {
  EXPECT_EQ(Plan("crm", ProjectsTaskId(7)).value("Actual Rows", -1), 0);
  EXPECT_EQ(Plan("projects", CrmTaskId(7)).value("Actual Rows", -1), 0);
}

INSTANTIATE_TEST_SUITE_P(Queries, LinkLookupPgTest, ::testing::Values("find_link", "lock_link"));

}  // namespace
}  // namespace crmsync::sync

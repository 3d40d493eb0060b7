// A rolling deploy applies a migration while the old version still serves: a column added to a
// table its prepared statements read must not break them. notify's store on a pool whose
// connection has run every statement keeps working after another connection migrates.
#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/pg/migrations.h"
#include "libs/pg/pool.h"
#include "libs/work_queue/pg_work_queue.h"
#include "prometheus/registry.h"
#include "services/auth/schema.h"
#include "services/mapping/schema.h"
#include "services/notify/pg_store.h"
#include "services/notify/schema.h"
#include "services/sync/schema.h"
#include "tests/support/pg/test_database.h"

namespace crmsync::pg {
namespace {

// The next version's migration: a column on the table and, since notify reads through it,
// on the view (CREATE OR REPLACE VIEW may only add columns at the end).
const std::vector<EmbeddedFile>& NextVersionMigrations() {
  static const auto* migrations = [] {
    auto* all = new std::vector<EmbeddedFile>(notify::Migrations());
    all->push_back({"V900__notification_priority", R"sql(
ALTER TABLE notifications ADD COLUMN priority integer NOT NULL DEFAULT 0;
CREATE OR REPLACE VIEW notification_rows AS
SELECT notification_id::text AS notification_id, failure_id, portal_id, recipient_email,
       recipient_name, kind, parameters::text AS parameters, subject, state, attempts, last_error,
       message_id,
       (extract(epoch FROM created_at) * 1000000)::bigint AS created_us,
       (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us,
       (extract(epoch FROM next_attempt_at) * 1000000)::bigint AS next_attempt_us,
       (extract(epoch FROM sent_at) * 1000000)::bigint AS sent_us,
       notification_id AS id_key, created_at AS created_key,
       priority
FROM notifications;
)sql"});
    return all;
  }();
  return *migrations;
}

notify::NewNotification Failure(const std::string& failure_id) {
  notify::NewNotification n;
  n.failure_id = failure_id;
  n.portal_id = "portal-1";
  n.recipient = {"george@example.com", "George Miller"};
  n.kind = notify::Kind::kChangeRefusedByOtherSide;
  n.parameters.task_id = "crm-task-501";
  n.parameters.task_title = "Map legacy customer fields";
  return n;
}

// Runs each of notify's statements once through the store and its email queue, as a serving
// process does.
void UseEveryStatement(Pool& pool, notify::PgStore& store, work_queue::Queue& queue,
                       const std::string& failure_id, absl::Time now) {
  const auto first =
      store.Insert(Failure(failure_id + "-a"), "subject", now, now, absl::InfiniteFuture());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(store
                  .Insert(Failure(failure_id + "-b"), "subject", now, now + absl::Hours(1),
                          absl::InfiniteFuture())
                  .ok());
  const auto by_id = store.GetById(first->notification.notification_id, absl::InfiniteFuture());
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  const auto by_failure = store.GetByFailureId(failure_id + "-a", absl::InfiniteFuture());
  ASSERT_TRUE(by_failure.ok()) << by_failure.status();
  const auto page = store.List({}, std::nullopt, 10, absl::InfiniteFuture());
  ASSERT_TRUE(page.ok()) << page.status();
  // Both of George's notifications come in one claim, as a digest's members do.
  auto claims = queue.ClaimDue(1, /*group_limit=*/5, absl::Minutes(1));
  ASSERT_TRUE(claims.ok()) << claims.status();
  ASSERT_GE(claims->size(), 2u);
  ASSERT_TRUE(queue.Extend(claims->at(0), absl::Minutes(1)).ok());
  ASSERT_TRUE(queue.Complete(claims->at(0), work_queue::Outcome::Done()).ok());
  ASSERT_TRUE(queue.Complete(claims->at(1), work_queue::Outcome::Retry("busy")).ok());
  ASSERT_TRUE(queue.Release({claims->begin() + 2, claims->end()}).ok());
  const auto stats = work_queue::ReadStats(pool, notify::kEmailQueue, now);
  ASSERT_TRUE(stats.ok()) << stats.status();
}

TEST(SchemaChange, NotifyKeepsServingWhileAnotherProcessAddsAColumn) {
  auto database = testing::TestDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  PoolOptions options;
  options.database_url = (*database)->url();
  options.schema = "notify";
  auto migrator = *Pool::Create(options);
  ASSERT_TRUE(Migrate(*migrator, "notify", notify::Migrations()).ok());

  // One connection, so that the calls after the migration meet the statements prepared before.
  options.statements = notify::Queries();
  options.max_connections = 1;
  auto serving = *Pool::Create(options);
  notify::PgStore store(*serving);
  prometheus::Registry registry;
  work_queue::Metrics queue_metrics(registry);
  work_queue::PgWorkQueue queue(*serving, notify::kEmailQueue, RealClock(), {}, queue_metrics,
                                notify::PgStore::QueueHooks());
  const absl::Time now = absl::Now();
  UseEveryStatement(*serving, store, queue, "before", now);

  const auto migrated = Migrate(*migrator, "notify", NextVersionMigrations());
  ASSERT_TRUE(migrated.ok()) << migrated.status();
  ASSERT_EQ(migrated->applied, 1);

  UseEveryStatement(*serving, store, queue, "after", now);
}

// What makes the test above pass for every service: a prepared statement whose result is
// "every column" changes type when a column is added.
TEST(SchemaChange, NoPreparedStatementSelectsEveryColumn) {
  const std::regex star(R"((SELECT|RETURNING)\s+(DISTINCT\s+)?([A-Za-z_]+\.)?\*)",
                        std::regex::icase);
  for (const auto* queries :
       {&auth::Queries(), &mapping::Queries(), &notify::Queries(), &sync::Queries()}) {
    for (const EmbeddedFile& query : *queries) {
      const std::string text(query.text);
      EXPECT_FALSE(std::regex_search(text, star)) << query.name << " reads every column";
    }
  }
}

}  // namespace
}  // namespace crmsync::pg

// A pool on a fresh PostgreSQL database with the mapping schema migrated and its queries
// prepared, for the mapping pg tests.
#ifndef CRMSYNC_TESTS_SERVICES_MAPPING_TEST_POOL_H_
#define CRMSYNC_TESTS_SERVICES_MAPPING_TEST_POOL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "libs/pg/migrations.h"
#include "libs/pg/pool.h"
#include "services/mapping/schema.h"
#include "tests/support/pg/test_database.h"

namespace crmsync::mapping {

struct TestPool {
  std::unique_ptr<crmsync::testing::TestDatabase> database;
  std::unique_ptr<pg::Pool> pool;
};

inline absl::StatusOr<TestPool> MakeTestPool() {
  TestPool out;
  auto database = crmsync::testing::TestDatabase::Create();
  if (!database.ok()) return database.status();
  out.database = *std::move(database);
  pg::PoolOptions options;
  options.database_url = out.database->url();
  options.schema = "mapping";
  {
    auto migrator = pg::Pool::Create(options);
    if (!migrator.ok()) return migrator.status();
    auto migrated = pg::Migrate(**migrator, "mapping", Migrations());
    if (!migrated.ok()) return migrated.status();
  }
  options.statements = Queries();
  auto pool = pg::Pool::Create(options);
  if (!pool.ok()) return pool.status();
  out.pool = *std::move(pool);
  return out;
}

}  // namespace crmsync::mapping

#endif  // CRMSYNC_TESTS_SERVICES_MAPPING_TEST_POOL_H_

// A pool on a fresh PostgreSQL database with the sync schema migrated and its queries prepared,
// for the sync pg tests.
#ifndef CRMSYNC_TESTS_SERVICES_SYNC_TEST_POOL_H_
#define CRMSYNC_TESTS_SERVICES_SYNC_TEST_POOL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "libs/pg/migrations.h"
#include "libs/pg/pool.h"
#include "services/sync/schema.h"
#include "tests/support/pg/test_database.h"

namespace crmsync::sync {

struct SyncTestPool {
  std::unique_ptr<crmsync::testing::TestDatabase> database;
  std::unique_ptr<pg::Pool> pool;
};

// `connections` bounds the pool (the concurrency tests need one per writer); `lock_timeout` is
// every connection's.
inline absl::StatusOr<SyncTestPool> MakeSyncTestPool(
    int connections = 8, absl::Duration lock_timeout = pg::ConnectionSettings().lock_timeout) {
  SyncTestPool out;
  auto database = crmsync::testing::TestDatabase::Create();
  if (!database.ok()) return database.status();
  out.database = *std::move(database);
  pg::PoolOptions options;
  options.database_url = out.database->url();
  options.schema = "sync";
  options.max_connections = connections;
  {
    auto migrator = pg::Pool::Create(options);
    if (!migrator.ok()) return migrator.status();
    auto migrated = pg::Migrate(**migrator, "sync", Migrations());
    if (!migrated.ok()) return migrated.status();
  }
  options.statements = Queries();
  options.connection.lock_timeout = lock_timeout;
  auto pool = pg::Pool::Create(options);
  if (!pool.ok()) return pool.status();
  out.pool = *std::move(pool);
  return out;
}

}  // namespace crmsync::sync

#endif  // CRMSYNC_TESTS_SERVICES_SYNC_TEST_POOL_H_

// Pool options for tests that show a caller's deadline bounding its database work.
#ifndef CRMSYNC_TESTS_SUPPORT_PG_DEADLINE_POOL_OPTIONS_H_
#define CRMSYNC_TESTS_SUPPORT_PG_DEADLINE_POOL_OPTIONS_H_

#include <string>
#include <utility>
#include <vector>

#include "libs/common/embedded_file.h"
#include "libs/pg/pool.h"

namespace crmsync::testing {

// One connection, and the pool's own statement and lock timeouts off: only a caller's deadline
// can end a statement's wait on a lock, and a statement left waiting runs before the calls
// after it.
inline pg::PoolOptions OnlyDeadlinesBoundWaits(std::string database_url, std::string schema,
                                               std::vector<EmbeddedFile> statements) {
  pg::PoolOptions options;
  options.database_url = std::move(database_url);
  options.schema = std::move(schema);
  options.max_connections = 1;
  options.connection.statement_timeout = absl::ZeroDuration();
  options.connection.lock_timeout = absl::ZeroDuration();
  options.statements = std::move(statements);
  return options;
}

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_PG_DEADLINE_POOL_OPTIONS_H_

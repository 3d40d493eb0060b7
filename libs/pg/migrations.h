// Schema migrations: numbered SQL files per service schema, applied once each.
//
// A migration is named V<version>__<words> (e.g. V001__grants) and runs with the service's
// schema as search_path. All pending migrations of one call run in one transaction, under a
// transaction-level advisory lock per schema, so two processes migrating at once both succeed
// and each file runs exactly once. Each applied file's checksum (md5 of its text) is recorded;
// an applied migration whose text has since changed is refused (FAILED_PRECONDITION).
// Migrations run without the pool's statement_timeout but with its lock_timeout.
#ifndef CRMSYNC_LIBS_PG_MIGRATIONS_H_
#define CRMSYNC_LIBS_PG_MIGRATIONS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/common/embedded_file.h"
#include "libs/pg/pool.h"

namespace crmsync::pg {

struct MigrationResult {
  int applied = 0;          // migrations run by this call
  int already_applied = 0;  // migrations found applied before
};

// Creates `schema` if needed and applies the migrations not yet applied, in version order.
// INVALID_ARGUMENT for a badly named file or a repeated version.
absl::StatusOr<MigrationResult> Migrate(Pool& pool, absl::string_view schema,
                                        const std::vector<EmbeddedFile>& migrations);

}  // namespace crmsync::pg

#endif  // CRMSYNC_LIBS_PG_MIGRATIONS_H_

// A SQL file compiled into a binary by cmake's crmsync_embed_sql.
#ifndef CRMSYNC_LIBS_COMMON_SQL_FILE_H_
#define CRMSYNC_LIBS_COMMON_SQL_FILE_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace crmsync {

struct SqlFile {
  absl::string_view name;  // the file name without ".sql", e.g. "V001__grants" or "claim_outbox"
  absl::string_view sql;
};

// A service's own Postgres schema: its migrations (V<n>__<words>.sql, applied in order) and
// its queries (prepared on every connection under their file names).
struct Schema {
  const std::vector<SqlFile>& migrations;
  const std::vector<SqlFile>& queries;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_SQL_FILE_H_

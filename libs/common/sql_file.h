// A SQL file compiled into a binary by cmake's crmsync_embed_sql.
#ifndef CRMSYNC_LIBS_COMMON_SQL_FILE_H_
#define CRMSYNC_LIBS_COMMON_SQL_FILE_H_

#include "absl/strings/string_view.h"
#include <vector>

namespace crmsync {

struct SqlFile {
  absl::string_view name;  // the file name without ".sql", e.g. "V001__grants" or "claim_outbox"
  absl::string_view sql;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_SQL_FILE_H_

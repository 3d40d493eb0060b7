// A file compiled into a binary by cmake's crmsync_embed_files (SQL, email templates).
#ifndef CRMSYNC_LIBS_COMMON_EMBEDDED_FILE_H_
#define CRMSYNC_LIBS_COMMON_EMBEDDED_FILE_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace crmsync {

struct EmbeddedFile {
  absl::string_view name;  // the file name without its extension, e.g. "V001__grants"
  absl::string_view text;
};

// A service's own Postgres schema: its migrations (V<n>__<words>.sql, applied in order) and
// its queries (prepared on every connection under their file names).
struct Schema {
  const std::vector<EmbeddedFile>& migrations;
  const std::vector<EmbeddedFile>& queries;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_EMBEDDED_FILE_H_

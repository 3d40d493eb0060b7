// The sync service's Postgres schema "sync", compiled in from migrations/ and queries/.
#ifndef CRMSYNC_SERVICES_SYNC_SCHEMA_H_
#define CRMSYNC_SERVICES_SYNC_SCHEMA_H_

#include <vector>

#include "libs/common/sql_file.h"

namespace crmsync::sync {

const std::vector<SqlFile>& Migrations();
const std::vector<SqlFile>& Queries();

inline Schema SyncSchema() { return {Migrations(), Queries()}; }

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_SCHEMA_H_

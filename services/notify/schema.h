// The notify service's Postgres schema "notify", compiled in from migrations/ and queries/.
#ifndef CRMSYNC_SERVICES_NOTIFY_SCHEMA_H_
#define CRMSYNC_SERVICES_NOTIFY_SCHEMA_H_

#include <vector>

#include "libs/common/sql_file.h"

namespace crmsync::notify {

const std::vector<SqlFile>& Migrations();
const std::vector<SqlFile>& Queries();

inline Schema NotifySchema() { return {Migrations(), Queries()}; }

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_SCHEMA_H_

// The auth service's Postgres schema "auth", compiled in from migrations/ and queries/.
#ifndef CRMSYNC_SERVICES_AUTH_SCHEMA_H_
#define CRMSYNC_SERVICES_AUTH_SCHEMA_H_

#include <vector>

#include "libs/common/sql_file.h"

namespace crmsync::auth {

const std::vector<SqlFile>& Migrations();
const std::vector<SqlFile>& Queries();

inline Schema AuthSchema() { return {Migrations(), Queries()}; }

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_SCHEMA_H_

// The mapping service's Postgres schema "mapping", compiled in from migrations/ and queries/.
#ifndef CRMSYNC_SERVICES_MAPPING_SCHEMA_H_
#define CRMSYNC_SERVICES_MAPPING_SCHEMA_H_

#include <vector>

#include "libs/common/sql_file.h"

namespace crmsync::mapping {

const std::vector<SqlFile>& Migrations();
const std::vector<SqlFile>& Queries();

inline Schema MappingSchema() { return {Migrations(), Queries()}; }

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_SCHEMA_H_

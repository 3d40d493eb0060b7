// libpqxx exceptions stop at the store: this turns them into absl::Status.
//   unique violation → ALREADY_EXISTS, foreign key → FAILED_PRECONDITION,
//   not-null / check / data errors → INVALID_ARGUMENT, serialization failure / deadlock → ABORTED,
//   lock_timeout → ABORTED (not retried here),
//   broken connection, too many connections, server shutting down → UNAVAILABLE,
//   commit outcome unknown → UNAVAILABLE (saying so), statement timeout → DEADLINE_EXCEEDED,
//   anything else → INTERNAL.
#ifndef CRMSYNC_LIBS_PG_ERRORS_H_
#define CRMSYNC_LIBS_PG_ERRORS_H_

#include <exception>

#include "absl/status/status.h"

namespace crmsync::pg {

// Call inside a catch block with the caught exception (pqxx or std).
absl::Status StatusFromException(const std::exception& error);

// True for the statuses a transaction retry may cure (serialization failure, deadlock).
bool IsRetryableTransactionError(const absl::Status& status);

}  // namespace crmsync::pg

#endif  // CRMSYNC_LIBS_PG_ERRORS_H_

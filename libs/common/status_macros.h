// Early-return helpers for absl::Status and absl::StatusOr, which Abseil 20220623 lacks.
#ifndef CRMSYNC_LIBS_COMMON_STATUS_MACROS_H_
#define CRMSYNC_LIBS_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing function if not OK.
#define RETURN_IF_ERROR(expr)                             \
  do {                                                    \
    if (::absl::Status status_ = (expr); !status_.ok()) { \
      return status_;                                     \
    }                                                     \
  } while (false)

#define CRMSYNC_CONCAT_INNER_(a, b) a##b
#define CRMSYNC_CONCAT_(a, b) CRMSYNC_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::StatusOr<T>); returns its status if not OK, else moves the value
// into `lhs`, which may be a declaration (`auto x`) or an existing variable.
#define ASSIGN_OR_RETURN(lhs, expr) \
  CRMSYNC_ASSIGN_OR_RETURN_IMPL_(CRMSYNC_CONCAT_(statusor_, __LINE__), lhs, expr)

#define CRMSYNC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = *std::move(statusor)

#endif  // CRMSYNC_LIBS_COMMON_STATUS_MACROS_H_

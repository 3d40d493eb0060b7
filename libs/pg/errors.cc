#include "libs/pg/errors.h"

#include <pqxx/except>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace crmsync::pg {
namespace {

// Marks an ABORTED status as a transaction conflict, which a retry may cure.
constexpr absl::string_view kConflictPrefix = "transaction conflict: ";

std::string FirstLine(const char* what) {
  absl::string_view text(what);
  text = text.substr(0, text.find('\n'));
  return std::string(absl::StripAsciiWhitespace(text));
}

}  // namespace

absl::Status StatusFromException(const std::exception& error) {
  const std::string message = FirstLine(error.what());
  if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) {
    return absl::UnavailableError(absl::StrCat("commit outcome unknown: ", message));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) {
    return absl::UnavailableError(absl::StrCat("database unavailable: ", message));
  }
  if (dynamic_cast<const pqxx::serialization_failure*>(&error) != nullptr ||
      dynamic_cast<const pqxx::deadlock_detected*>(&error) != nullptr) {
    return absl::AbortedError(absl::StrCat(kConflictPrefix, message));
  }
  if (dynamic_cast<const pqxx::unique_violation*>(&error) != nullptr) {
    return absl::AlreadyExistsError(message);
  }
  if (dynamic_cast<const pqxx::foreign_key_violation*>(&error) != nullptr) {
    return absl::FailedPreconditionError(message);
  }
  if (dynamic_cast<const pqxx::not_null_violation*>(&error) != nullptr ||
      dynamic_cast<const pqxx::check_violation*>(&error) != nullptr ||
      dynamic_cast<const pqxx::data_exception*>(&error) != nullptr) {
    return absl::InvalidArgumentError(message);
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error); sql != nullptr) {
    const std::string& state = sql->sqlstate();
    if (state == "57014") return absl::DeadlineExceededError(message);  // query_canceled
    if (state == "55P03") return absl::AbortedError(message);           // lock_not_available
    // 57P01..57P03: admin shutdown, crash shutdown, cannot connect now.
    if (absl::StartsWith(state, "57P")) {
      return absl::UnavailableError(absl::StrCat("database unavailable: ", message));
    }
    return absl::InternalError(absl::StrCat("database error ", state, ": ", message));
  }
  return absl::InternalError(absl::StrCat("database error: ", message));
}

bool IsRetryableTransactionError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         absl::StartsWith(status.message(), kConflictPrefix);
}

}  // namespace crmsync::pg

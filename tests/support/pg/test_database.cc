#include "tests/support/pg/test_database.h"

#include <cstdlib>
#include <pqxx/pqxx>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"

namespace crmsync::testing {

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create() {
  if (std::getenv("PGHOST") == nullptr) {
    return absl::FailedPreconditionError(
        "PGHOST is not set: run PostgreSQL tests under pg_virtualenv (./scripts/test does)");
  }
  // libpq fills host, port, user and password from the PG* variables.
  const std::string admin_url = "dbname=postgres";
  absl::BitGen random;
  const std::string name = absl::StrCat("crmsync_test_", absl::Uniform<uint64_t>(random));
  try {
    pqxx::connection admin(admin_url);
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("CREATE DATABASE ", tx.quote_name(name)));
  } catch (const std::exception& error) {
    return absl::UnavailableError(absl::StrCat("cannot create test database: ", error.what()));
  }
  return std::unique_ptr<TestDatabase>(
      new TestDatabase(admin_url, name, absl::StrCat("dbname=", name)));
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction tx(admin);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", tx.quote_name(name_), " WITH (FORCE)"));
  } catch (const std::exception&) {
    // The throwaway cluster is dropped with everything in it at the end of the run.
  }
}

}  // namespace crmsync::testing

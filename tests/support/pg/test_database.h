// A fresh PostgreSQL database per test, on the server the PG* environment variables name
// (./scripts/test runs ctest under pg_virtualenv, which sets them). Dropped when destroyed.
#ifndef CRMSYNC_TESTS_SUPPORT_PG_TEST_DATABASE_H_
#define CRMSYNC_TESTS_SUPPORT_PG_TEST_DATABASE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace crmsync::testing {

class TestDatabase {
 public:
  // FAILED_PRECONDITION when PGHOST is unset: pg tests must run under pg_virtualenv.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create();
  ~TestDatabase();

  // A libpq connection string for the new database.
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  TestDatabase(std::string admin_url, std::string name, std::string url)
      : admin_url_(std::move(admin_url)), name_(std::move(name)), url_(std::move(url)) {}
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_PG_TEST_DATABASE_H_

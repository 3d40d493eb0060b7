#include "gtest/gtest.h"
#include "libs/pg/pool.h"

namespace crmsync::pg {
namespace {

TEST(DatabaseUrl, AcceptsUrisAndKeywordStrings) {
  EXPECT_TRUE(ValidateDatabaseUrl("postgresql://crmsync:pw@db.internal:5432/crmsync").ok());
  EXPECT_TRUE(ValidateDatabaseUrl("host=/run/postgresql dbname=crmsync").ok());
}

TEST(DatabaseUrl, RefusesWhatLibpqCannotParseWithoutEchoingThePassword) {
  auto empty = ValidateDatabaseUrl("");
  EXPECT_EQ(empty.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.message(), "database URL is empty");

  auto bad_uri = ValidateDatabaseUrl("postgresql://user:s3cret@host:notaport/db?sslmode");
  EXPECT_EQ(bad_uri.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_uri.message().find("database URL does not parse"), absl::string_view::npos);
  EXPECT_EQ(bad_uri.message().find("s3cret"), absl::string_view::npos);

  EXPECT_EQ(ValidateDatabaseUrl("postgresql://user:pw@host:port/db").message(),
            "database URL has an invalid port \"port\"");
  EXPECT_EQ(ValidateDatabaseUrl("host=x nosuchkeyword=1").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Pool, RefusesASchemaThatIsNotAPlainName) {
  PoolOptions options;
  options.database_url = "dbname=x";
  options.schema = "auth; DROP TABLE x";
  EXPECT_EQ(Pool::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace crmsync::pg

#include <string>
#include <vector>

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

// libpq quotes the whole URL, or the token it could not read, in many of its complaints.
TEST(DatabaseUrl, NoMalformedUrlEchoesItsPassword) {
  struct Case {
    std::string url;
    std::string expected;  // a part of the message that still says what is wrong
  };
  for (const Case& c : std::vector<Case>{
           {"postgresql://u:S3cretPw@[::1/db", "IPv6"},
           {"postgresql://u:S3cretPw@host:5432:/db", "invalid port"},
           {"postgresql://u:S3cret%zzPw@host/db", "does not parse"},
           {"postgresql://u:S3cretPw@host/db?sslmode", "sslmode"},
           {"postgresql://u:S3cretPw@host/db?nosuch=1", "nosuch"},
           {"postgresql://u@host/db?password=S3cretPw&nosuch=1", "nosuch"},
           {"postgresql://u:S3cretPw@host:notaport/db", "invalid port"},
           {"host=h password=S3cretPw port", "port"},
           {"host=h password='S3cretPw", "unterminated"},
           {"host=h password = S3cretPw nosuch=1", "nosuch"},
           {"password='S3cret\\'Pw' nosuch=1", "nosuch"},
       }) {
    const absl::Status status = ValidateDatabaseUrl(c.url);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.url;
    EXPECT_EQ(status.message().find("S3cret"), absl::string_view::npos) << status;
    EXPECT_NE(status.message().find(c.expected), absl::string_view::npos)
        << c.url << ": " << status;
  }
}

TEST(Pool, RefusesASchemaThatIsNotAPlainName) {
  PoolOptions options;
  options.database_url = "dbname=x";
  options.schema = "auth; DROP TABLE x";
  EXPECT_EQ(Pool::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Pool, RefusesSettingsOutOfRange) {
  PoolOptions options;
  options.database_url = "dbname=x";
  options.connection.lock_timeout = absl::Seconds(-1);
  const absl::Status status = Pool::Create(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "lock_timeout must not be negative");
}

}  // namespace
}  // namespace crmsync::pg

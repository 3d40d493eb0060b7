#include <pqxx/pqxx>
#include <thread>

#include "gtest/gtest.h"
#include "libs/pg/migrations.h"
#include "tests/support/pg/test_database.h"

namespace crmsync::pg {
namespace {

const std::vector<EmbeddedFile> kMigrations = {
    {"V001__items", "CREATE TABLE items (id int PRIMARY KEY);"},
    {"V002__item_names", "ALTER TABLE items ADD COLUMN name text;"},
};

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
  }

  std::unique_ptr<Pool> NewPool() {
    PoolOptions options;
    options.database_url = database_->url();
    options.schema = "things";
    return *Pool::Create(options);
  }

  std::unique_ptr<testing::TestDatabase> database_;
};

TEST_F(MigrationsTest, AppliesEachMigrationOnceInTheSchema) {
  auto pool = NewPool();
  auto first = Migrate(*pool, "things", kMigrations);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->applied, 2);
  auto second = Migrate(*pool, "things", kMigrations);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->applied, 0);
  EXPECT_EQ(second->already_applied, 2);
  // The pool's search_path is the schema: the table is reachable unqualified.
  EXPECT_TRUE(pool->Transact([](pqxx::transaction_base& tx) {
                    tx.exec("INSERT INTO things.items (id, name) VALUES (1, 'a')");
                    tx.exec1("SELECT name FROM items WHERE id = 1");
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(MigrationsTest, AMigrationMayRunLongerThanTheStatementTimeout) {
  PoolOptions options;
  options.database_url = database_->url();
  options.connection.statement_timeout = absl::Milliseconds(100);
  auto pool = *Pool::Create(options);
  const std::vector<EmbeddedFile> slow = {
      {"V001__backfill", "CREATE TABLE items AS SELECT 1 AS id FROM pg_sleep(1);"}};
  const auto result = Migrate(*pool, "things", slow);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->applied, 1);
}

TEST_F(MigrationsTest, AnEditedAppliedMigrationIsRefused) {
  auto pool = NewPool();
  ASSERT_TRUE(Migrate(*pool, "things", kMigrations).ok());
  std::vector<EmbeddedFile> edited = kMigrations;
  edited[0].text = "CREATE TABLE items (id bigint PRIMARY KEY);";
  auto status = Migrate(*pool, "things", edited).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("V001__items"), absl::string_view::npos);
}

TEST_F(MigrationsTest, AFailingMigrationAppliesNothing) {
  auto pool = NewPool();
  std::vector<EmbeddedFile> broken = kMigrations;
  broken.push_back({"V003__broken", "ALTER TABLE nothing_here ADD COLUMN x int;"});
  EXPECT_FALSE(Migrate(*pool, "things", broken).ok());
  auto retry = Migrate(*pool, "things", kMigrations);
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->applied, 2);
}

TEST_F(MigrationsTest, BadNamesAreRefused) {
  auto pool = NewPool();
  EXPECT_EQ(Migrate(*pool, "things", {{"001_items", "SELECT 1"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      Migrate(*pool, "things", {{"V1__a", "SELECT 1"}, {"V001__b", "SELECT 1"}}).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(MigrationsTest, ConcurrentMigratorsBothSucceedAndApplyOnce) {
  std::vector<absl::StatusOr<MigrationResult>> results(4, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto pool = NewPool();
      results[i] = Migrate(*pool, "things", kMigrations);
    });
  }
  for (auto& thread : threads) thread.join();
  int applied = 0;
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    applied += result->applied;
  }
  EXPECT_EQ(applied, 2);
}

}  // namespace
}  // namespace crmsync::pg

#include <pqxx/pqxx>
#include <thread>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/pg/pool.h"
#include "tests/support/pg/test_database.h"

namespace crmsync::pg {
namespace {

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    PoolOptions options;
    options.database_url = database_->url();
    options.statements = {{"insert_item", "INSERT INTO items (id, name) VALUES ($1, $2)"}};
    options.max_connections = 2;
    options.acquire_timeout = absl::Milliseconds(300);
    auto pool = Pool::Create(options);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(pool_
                    ->Transact([](pqxx::transaction_base& tx) {
                      tx.exec("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)");
                      return absl::OkStatus();
                    })
                    .ok());
  }

  int CountItems() {
    return *pool_->TransactValue<int>([](pqxx::transaction_base& tx) -> absl::StatusOr<int> {
      return tx.exec1("SELECT count(*) FROM items")[0].as<int>();
    });
  }

  std::unique_ptr<testing::TestDatabase> database_;
  std::unique_ptr<Pool> pool_;
};

TEST_F(PoolTest, CommitsOnOkAndRollsBackOnError) {
  ASSERT_TRUE(pool_
                  ->Transact([](pqxx::transaction_base& tx) {
                    tx.exec_prepared("insert_item", 1, "one");
                    return absl::OkStatus();
                  })
                  .ok());
  const auto refused = pool_->Transact([](pqxx::transaction_base& tx) {
    tx.exec_prepared("insert_item", 2, "two");
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CountItems(), 1);
}

TEST_F(PoolTest, ConstraintViolationsBecomeStatuses) {
  auto insert = [&](int id, const char* name) {
    return pool_->Transact([&](pqxx::transaction_base& tx) {
      tx.exec_params("INSERT INTO items (id, name) VALUES ($1, $2)", id, name);
      return absl::OkStatus();
    });
  };
  ASSERT_TRUE(insert(1, "one").ok());
  EXPECT_EQ(insert(1, "again").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(insert(2, nullptr).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(pool_
                ->Transact([](pqxx::transaction_base& tx) {
                  tx.exec("SELECT * FROM no_such_table");
                  return absl::OkStatus();
                })
                .code(),
            absl::StatusCode::kInternal);
}

TEST_F(PoolTest, SerializationFailureIsRetried) {
  ASSERT_TRUE(pool_
                  ->Transact([](pqxx::transaction_base& tx) {
                    tx.exec("INSERT INTO items VALUES (1, 'zero')");
                    return absl::OkStatus();
                  })
                  .ok());
  // The first attempt reads, then a concurrent transaction commits a write to the same row,
  // so the first attempt's update fails to serialize; the retry sees the new value.
  int attempts = 0;
  absl::Status status = pool_->Transact(
      [&](pqxx::transaction_base& tx) {
        ++attempts;
        const std::string name =
            tx.exec1("SELECT name FROM items WHERE id = 1")[0].as<std::string>();
        if (attempts == 1) {
          std::thread([&] {
            pqxx::connection other(database_->url());
            pqxx::work other_tx(other);
            other_tx.exec("UPDATE items SET name = 'concurrent' WHERE id = 1");
            other_tx.commit();
          }).join();
        }
        tx.exec_params("UPDATE items SET name = $1 WHERE id = 1", name + "+mine");
        return absl::OkStatus();
      },
      Isolation::kSerializable);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(*pool_->TransactValue<std::string>(
                [](pqxx::transaction_base& tx) -> absl::StatusOr<std::string> {
                  return tx.exec1("SELECT name FROM items WHERE id = 1")[0].as<std::string>();
                }),
            "concurrent+mine");
}

// Holds every connection of the pool in transactions until destroyed.
class PoolHolders {
 public:
  PoolHolders(Pool& pool, int count) : started_(count) {
    for (int i = 0; i < count; ++i) {
      threads_.emplace_back([&] {
        (void)pool.Transact([&](pqxx::transaction_base&) {
          started_.DecrementCount();
          release_.WaitForNotification();
          return absl::OkStatus();
        });
      });
    }
    started_.Wait();
  }
  ~PoolHolders() {
    release_.Notify();
    for (auto& thread : threads_) thread.join();
  }

 private:
  absl::BlockingCounter started_;
  absl::Notification release_;
  std::vector<std::thread> threads_;
};

TEST_F(PoolTest, WaitsForAFreeConnectionThenGivesUp) {
  {
    PoolHolders holders(*pool_, 2);
    const auto busy = pool_->Ping();
    EXPECT_EQ(busy.code(), absl::StatusCode::kUnavailable);
    EXPECT_NE(busy.message().find("busy"), absl::string_view::npos);
  }
  EXPECT_TRUE(pool_->Ping().ok());
}

TEST_F(PoolTest, DeadlineBoundsTheWaitForAConnection) {
  PoolOptions options;
  options.database_url = database_->url();
  options.max_connections = 1;
  options.acquire_timeout = absl::Hours(1);
  auto pool = *Pool::Create(options);
  auto holders = std::make_unique<PoolHolders>(*pool, 1);
  absl::Status status;
  absl::Notification returned;
  std::thread caller([&] {
    status = pool->Ping(absl::Now() + absl::Seconds(1));
    returned.Notify();
  });
  // Bounded wait for the call to give up on its own; then the holder lets go either way.
  const bool gave_up = returned.WaitForNotificationWithTimeout(absl::Seconds(30));
  holders.reset();
  caller.join();
  EXPECT_TRUE(gave_up) << "the call waited past its deadline for a connection";
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_NE(status.message().find("waiting for a database connection"), absl::string_view::npos);
}

TEST_F(PoolTest, DeadlineCancelsAStatementAndTheConnectionServesOn) {
  PoolOptions options;
  options.database_url = database_->url();
  options.max_connections = 1;
  options.connection.statement_timeout =
      absl::ZeroDuration();  // only the deadline can stop the sleep
  auto pool = *Pool::Create(options);
  ASSERT_TRUE(pool->Ping().ok());  // connected, so that the deadline is spent in the statement
  const auto status = pool->Transact(
      [](pqxx::transaction_base& tx) {
        tx.exec("SELECT pg_sleep(30)");
        return absl::OkStatus();
      },
      Isolation::kReadCommitted, absl::Now() + absl::Seconds(2));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_NE(status.message().find("deadline passed during database work"), absl::string_view::npos)
      << status;
  // The lowered statement_timeout was local to the transaction that timed out.
  const auto timeout = pool->TransactValue<std::string>(
      [](pqxx::transaction_base& tx) -> absl::StatusOr<std::string> {
        return tx.exec1("SHOW statement_timeout")[0].as<std::string>();
      });
  ASSERT_TRUE(timeout.ok()) << timeout.status();
  EXPECT_EQ(*timeout, "0");
}

TEST_F(PoolTest, ADeadlineLowersTheStatementTimeoutOfItsOwnTransactionOnly) {
  PoolOptions options;
  options.database_url = database_->url();
  options.max_connections = 1;  // both transactions run on the one connection
  options.connection.statement_timeout = absl::ZeroDuration();
  auto pool = *Pool::Create(options);
  auto show = [&](absl::Time deadline) {
    return pool->TransactValue<std::string>(
        [](pqxx::transaction_base& tx) -> absl::StatusOr<std::string> {
          return tx.exec1("SHOW statement_timeout")[0].as<std::string>();
        },
        Isolation::kReadCommitted, deadline);
  };
  const auto lowered = show(absl::Now() + absl::Minutes(10));
  ASSERT_TRUE(lowered.ok()) << lowered.status();
  EXPECT_NE(*lowered, "0");
  const auto after = show(absl::InfiniteFuture());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, "0");  // the committed transaction's setting did not outlive it
}

TEST_F(PoolTest, APassedDeadlineRunsNothing) {
  int runs = 0;
  const auto status = pool_->Transact(
      [&](pqxx::transaction_base&) {
        ++runs;
        return absl::OkStatus();
      },
      Isolation::kReadCommitted, absl::Now() - absl::Seconds(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(runs, 0);
}

TEST(PoolDown, UnreachableDatabaseIsUnavailable) {
  PoolOptions options;
  options.database_url = "host=127.0.0.1 port=1 dbname=x connect_timeout=1";
  auto pool = Pool::Create(options);
  ASSERT_TRUE(pool.ok());
  const auto status = (*pool)->Ping();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("cannot connect"), absl::string_view::npos);
}

}  // namespace
}  // namespace crmsync::pg

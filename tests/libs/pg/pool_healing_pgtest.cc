// The pool against a real PostgreSQL that restarts, kills sessions and holds locks: no call
// fails because of a connection that died while idle, a connection in doubt is never reused,
// and every connection carries the configured timeouts.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <pqxx/pqxx>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/pg/pool.h"
#include "tests/support/pg/private_server.h"
#include "tests/support/pg/test_database.h"

namespace crmsync::pg {
namespace {

constexpr int kPoolSize = 4;

absl::StatusOr<int> BackendPid(Pool& pool) {
  return pool.TransactValue<int>([](pqxx::transaction_base& tx) -> absl::StatusOr<int> {
    return tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
  });
}

// Opens every connection of the pool at once, so that all of them sit idle afterwards.
void OpenEveryConnection(Pool& pool) {
  absl::BlockingCounter inside(kPoolSize);
  absl::Notification release;
  std::vector<std::thread> threads;
  for (int i = 0; i < kPoolSize; ++i) {
    threads.emplace_back([&] {
      absl::Status status = pool.Transact([&](pqxx::transaction_base& tx) {
        tx.exec("SELECT 1");
        inside.DecrementCount();
        release.WaitForNotification();
        return absl::OkStatus();
      });
      EXPECT_TRUE(status.ok()) << status;
    });
  }
  inside.Wait();
  release.Notify();
  for (auto& thread : threads) thread.join();
}

// Every call a service makes after the server came back: a mix of reads and writes on each
// pooled connection, more calls than connections.
void ExpectEveryCallSucceeds(Pool& pool) {
  for (int i = 0; i < 3 * kPoolSize; ++i) {
    const absl::Status status = pool.Transact([&](pqxx::transaction_base& tx) {
      tx.exec_prepared("insert_item", i);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << "call " << i << ": " << status;
    EXPECT_TRUE(pool.Ping().ok());
  }
}

PoolOptions OptionsFor(std::string url) {
  PoolOptions options;
  options.database_url = std::move(url);
  options.max_connections = kPoolSize;
  options.statements = {{"insert_item", "INSERT INTO items (id) VALUES ($1)"}};
  absl::BitGen random;
  options.application_name = absl::StrCat("crmsync-heal-", absl::Uniform<uint32_t>(random));
  return options;
}

absl::Status CreateItems(Pool& pool) {
  return pool.Transact([](pqxx::transaction_base& tx) {
    tx.exec("CREATE TABLE items (id int PRIMARY KEY)");
    return absl::OkStatus();
  });
}

TEST(PoolHealing, NoCallFailsAfterThePostgresServerRestarts) {
  auto server = testing::PrivateServer::Create();
  ASSERT_TRUE(server.ok()) << server.status();
  auto pool = Pool::Create(OptionsFor((*server)->url()));
  ASSERT_TRUE(pool.ok()) << pool.status();
  ASSERT_TRUE(CreateItems(**pool).ok());
  OpenEveryConnection(**pool);

  ASSERT_TRUE((*server)->Restart().ok());
  ExpectEveryCallSucceeds(**pool);
}

class PoolOnSharedServer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    options_ = OptionsFor(database_->url());
  }

  std::unique_ptr<Pool> MakePool() {
    auto pool = Pool::Create(options_);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? *std::move(pool) : nullptr;
  }

  // pg_terminate_backend on every session of this pool, then a bounded wait until they are gone.
  void TerminateThePoolsSessions() {
    pqxx::connection admin(database_->url());
    pqxx::nontransaction tx(admin);
    tx.exec_params(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        options_.application_name);
    WaitUntilNoSession(tx);
  }

  void WaitUntilNoSession(pqxx::transaction_base& tx) {
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (tx.exec_params1("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                           options_.application_name)[0]
               .as<int>() > 0) {
      ASSERT_LT(absl::Now(), give_up) << "sessions outlived pg_terminate_backend";
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  std::unique_ptr<testing::TestDatabase> database_;
  PoolOptions options_;
};

TEST_F(PoolOnSharedServer, NoCallFailsAfterEverySessionIsTerminated) {
  auto pool = MakePool();
  ASSERT_TRUE(CreateItems(*pool).ok());
  OpenEveryConnection(*pool);

  TerminateThePoolsSessions();
  ExpectEveryCallSucceeds(*pool);
}

TEST_F(PoolOnSharedServer, AConnectionLostMidTransactionIsNotRetried) {
  options_.max_connections = 1;
  auto pool = MakePool();
  ASSERT_TRUE(CreateItems(*pool).ok());
  int runs = 0;
  const absl::Status status = pool->Transact([&](pqxx::transaction_base& tx) {
    ++runs;
    tx.exec_prepared("insert_item", 1);
    TerminateThePoolsSessions();
    tx.exec_prepared("insert_item", 2);
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(pool->Ping().ok());
}

TEST_F(PoolOnSharedServer, ACommitWithUnknownOutcomeIsReportedAndNotRetried) {
  options_.max_connections = 1;
  auto pool = MakePool();
  ASSERT_TRUE(CreateItems(*pool).ok());
  int runs = 0;
  const absl::Status status = pool->Transact([&](pqxx::transaction_base& tx) {
    ++runs;
    tx.exec_prepared("insert_item", 1);
    TerminateThePoolsSessions();  // the COMMIT goes to a session that is gone
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_NE(status.message().find("commit outcome unknown"), absl::string_view::npos) << status;
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(pool->Ping().ok());
}

TEST_F(PoolOnSharedServer, AConnectionInDoubtIsClosedAndOneAfterAnSqlErrorIsKept) {
  options_.max_connections = 1;
  auto pool = MakePool();
  ASSERT_TRUE(CreateItems(*pool).ok());
  const auto first = BackendPid(*pool);
  ASSERT_TRUE(first.ok()) << first.status();

  const absl::Status duplicate = pool->Transact([](pqxx::transaction_base& tx) {
    tx.exec("INSERT INTO items VALUES (1), (1)");
    return absl::OkStatus();
  });
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*BackendPid(*pool), *first);

  // Not an SQL error: libpqxx's state for this connection is not known to be clean.
  const absl::Status odd = pool->Transact([](pqxx::transaction_base& tx) {
    (void)tx.exec1("SELECT 'not a number'")[0].as<int>();
    return absl::OkStatus();
  });
  EXPECT_EQ(odd.code(), absl::StatusCode::kInternal);
  const auto after = BackendPid(*pool);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NE(*after, *first);
}

TEST_F(PoolOnSharedServer, ConnectionsStartWithTheConfiguredTimeouts) {
  options_.connection.statement_timeout = absl::Seconds(7);
  options_.connection.lock_timeout = absl::Milliseconds(300);
  options_.connection.idle_in_transaction_timeout = absl::Seconds(11);
  auto pool = MakePool();
  const auto shown = pool->TransactValue<std::string>(
      [](pqxx::transaction_base& tx) -> absl::StatusOr<std::string> {
        const auto row = tx.exec1(
            "SELECT current_setting('statement_timeout') || ' ' || "
            "current_setting('lock_timeout') || ' ' || "
            "current_setting('idle_in_transaction_session_timeout')");
        return row[0].as<std::string>();
      });
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(*shown, "7s 300ms 11s");
}

TEST_F(PoolOnSharedServer, ALockHeldElsewhereFailsTheCallAfterLockTimeout) {
  options_.connection.lock_timeout = absl::Milliseconds(200);
  auto pool = MakePool();
  ASSERT_TRUE(CreateItems(*pool).ok());
  pqxx::connection other(database_->url());
  pqxx::work holder(other);
  holder.exec("LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
  const absl::Status status = pool->Transact([](pqxx::transaction_base& tx) {
    tx.exec("SELECT count(*) FROM items");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_NE(status.message().find("lock timeout"), absl::string_view::npos) << status;
  holder.abort();
}

TEST_F(PoolOnSharedServer, AnIdleTransactionIsEndedByTheServer) {
  options_.connection.idle_in_transaction_timeout = absl::Milliseconds(200);
  options_.max_connections = 1;
  auto pool = MakePool();
  ASSERT_TRUE(CreateItems(*pool).ok());
  int runs = 0;
  // The server ends the session while the work idles inside its transaction; the work waits
  // for that (bounded) before its next statement.
  const absl::Status status = pool->Transact([&](pqxx::transaction_base& tx) {
    ++runs;
    tx.exec("SELECT 1");
    pqxx::connection admin(database_->url());
    pqxx::nontransaction admin_tx(admin);
    WaitUntilNoSession(admin_tx);
    tx.exec_prepared("insert_item", 1);
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(pool->Ping().ok());
}

TEST(PoolSettings, TcpConnectionsHaveKeepalives) {
  auto server = testing::PrivateServer::Create();
  ASSERT_TRUE(server.ok()) << server.status();
  PoolOptions options = OptionsFor((*server)->url());
  options.connection.keepalives_idle = absl::Seconds(17);
  options.connection.keepalives_interval = absl::Seconds(4);
  options.connection.keepalives_count = 5;
  auto pool = *Pool::Create(options);
  const auto socket_options = pool->TransactValue<std::vector<int>>(
      [](pqxx::transaction_base& tx) -> absl::StatusOr<std::vector<int>> {
        const int fd = tx.conn().sock();
        std::vector<int> values;
        for (auto [level, name] : {std::pair{SOL_SOCKET, SO_KEEPALIVE},
                                   {IPPROTO_TCP, TCP_KEEPIDLE},
                                   {IPPROTO_TCP, TCP_KEEPINTVL},
                                   {IPPROTO_TCP, TCP_KEEPCNT}}) {
          int value = 0;
          socklen_t length = sizeof(value);
          if (getsockopt(fd, level, name, &value, &length) != 0) {
            return absl::InternalError("getsockopt failed");
          }
          values.push_back(value);
        }
        return values;
      });
  ASSERT_TRUE(socket_options.ok()) << socket_options.status();
  EXPECT_EQ(*socket_options, (std::vector<int>{1, 17, 4, 5}));
}

TEST(PoolSecrets, AWrongPasswordIsReportedWithoutAnyPassword) {
  auto server = testing::PrivateServer::Create();
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string wrong = "S3cretPw";
  for (const std::string& url :
       {absl::StrCat("postgresql://postgres:", wrong, "@127.0.0.1:", (*server)->port(),
                     "/postgres"),
        absl::StrCat("host=127.0.0.1 port=", (*server)->port(), " user=postgres password=", wrong,
                     " dbname=postgres")}) {
    PoolOptions options;
    options.database_url = url;
    auto pool = Pool::Create(options);
    ASSERT_TRUE(pool.ok()) << pool.status();
    const absl::Status status = (*pool)->Ping();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_NE(status.message().find("password authentication failed"), absl::string_view::npos)
        << status;
    EXPECT_EQ(status.message().find(wrong), absl::string_view::npos) << status;
  }
}

}  // namespace
}  // namespace crmsync::pg

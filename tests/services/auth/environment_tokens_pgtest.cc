// The caller tokens of auth's environment against a real PostgreSQL: what a start stores, what
// they authenticate as through LocalCallerAuthenticator, and what later starts with the same,
// fewer or changed tokens do, on one replica or several at once.
#include <latch>
#include <pqxx/pqxx>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/crypto/digest.h"
#include "libs/pg/migrations.h"
#include "libs/pg/pool.h"
#include "services/auth/caller_tokens.h"
#include "services/auth/environment_tokens.h"
#include "services/auth/local_authenticator.h"
#include "services/auth/pg_store.h"
#include "services/auth/schema.h"
#include "tests/support/pg/test_database.h"

namespace crmsync::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kAdmin[] = "operator-chosen-admin-secret-4f9a2c71";
constexpr char kSync[] = "operator-chosen-sync-secret-77d0e1b3";
constexpr char kNotify[] = "operator-chosen-notify-secret-0c5e9a";

std::unique_ptr<pg::Pool> NewPool(const std::string& url) {
  pg::PoolOptions options;
  options.database_url = url;
  options.schema = "auth";
  options.statements = Queries();
  options.connect_timeout = absl::Seconds(2);
  options.acquire_timeout = absl::Seconds(2);
  return *pg::Pool::Create(options);
}

// One auth process: its own pool on the shared database.
struct Replica {
  Replica(const std::string& url, const Clock& clock)
      : pool(NewPool(url)), store(*pool), tokens(store, clock), authenticator(tokens) {}

  // What a start with these variables does.
  absl::Status Start(absl::string_view admin, absl::string_view services) {
    auto parsed = ParseEnvironmentTokens(admin, services);
    if (!parsed.ok()) return parsed.status();
    return tokens.StoreEnvironmentTokens(*parsed);
  }

  std::unique_ptr<pg::Pool> pool;
  PgStore store;
  CallerTokens tokens;
  LocalCallerAuthenticator authenticator;
};

class EnvironmentTokensPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = ::crmsync::testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    auto migrated = pg::Migrate(*NewPool(database_->url()), "auth", Migrations());
    ASSERT_TRUE(migrated.ok()) << migrated.status();
  }

  std::unique_ptr<Replica> NewReplica() {
    return std::make_unique<Replica>(database_->url(), clock_);
  }

  // "id caller_name roles revoked?" of every caller token row, by id.
  std::vector<std::string> Rows() {
    pqxx::connection connection(database_->url());
    pqxx::work tx(connection);
    std::vector<std::string> rows;
    for (const auto& row :
         tx.exec("SELECT caller_token_id, caller_name, array_to_string(roles, ','), "
                 "revoke_time IS NOT NULL FROM auth.caller_tokens ORDER BY caller_token_id")) {
      rows.push_back(absl::StrCat(row[0].as<std::string>(), " ", row[1].as<std::string>(), " ",
                                  row[2].as<std::string>(), row[3].as<bool>() ? " revoked" : ""));
    }
    return rows;
  }

  // Every stored caller token row as JSON text.
  std::string EverythingStored() {
    pqxx::connection connection(database_->url());
    pqxx::work tx(connection);
    std::string all;
    for (const auto& row : tx.exec("SELECT row_to_json(t)::text FROM auth.caller_tokens t")) {
      all += row[0].as<std::string>() + "\n";
    }
    return all;
  }

  std::unique_ptr<::crmsync::testing::TestDatabase> database_;
  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
};

absl::StatusCode CodeOf(Replica& replica, absl::string_view token) {
  return replica.authenticator.Authenticate(token).status().code();
}

TEST_F(EnvironmentTokensPgTest, AStartStoresTheAdminAndServiceTokensWhichAuthenticateAsTheirRole) {
  auto auth = NewReplica();
  ASSERT_TRUE(auth->Start(kAdmin, absl::StrCat("sync:", kSync, ",notify:", kNotify)).ok());
  EXPECT_THAT(Rows(), ElementsAre("bootstrap-admin bootstrap-admin ADMIN",
                                  "service-notify notify SERVICE", "service-sync sync SERVICE"));

  absl::StatusOr<Caller> admin = auth->authenticator.Authenticate(kAdmin);
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->caller_token_id, "bootstrap-admin");
  EXPECT_EQ(admin->name, "bootstrap-admin");
  EXPECT_THAT(admin->roles, ElementsAre(CallerRole::kAdmin));
  EXPECT_THAT(admin->portal_ids, IsEmpty());
  absl::StatusOr<Caller> sync = auth->authenticator.Authenticate(kSync);
  ASSERT_TRUE(sync.ok()) << sync.status();
  EXPECT_EQ(sync->caller_token_id, "service-sync");
  EXPECT_EQ(sync->name, "sync");
  EXPECT_THAT(sync->roles, ElementsAre(CallerRole::kService));
  EXPECT_THAT(sync->portal_ids, IsEmpty());

  absl::Status refused =
      auth->authenticator.Authenticate("operator-chosen-sync-secret-77d0e1b4").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(refused.message(), "the caller token is not valid");
  EXPECT_EQ(CodeOf(*auth, ""), absl::StatusCode::kUnauthenticated);
}

TEST_F(EnvironmentTokensPgTest, NoSecretIsStoredOnlyItsSha256) {
  auto auth = NewReplica();
  ASSERT_TRUE(auth->Start(kAdmin, absl::StrCat("sync:", kSync, ",notify:", kNotify)).ok());
  const std::string stored = EverythingStored();
  for (const char* secret : {kAdmin, kSync, kNotify}) {
    EXPECT_FALSE(absl::StrContains(stored, secret)) << stored;
    EXPECT_TRUE(absl::StrContains(stored, crypto::Sha256Hex(secret))) << stored;
  }
}

TEST_F(EnvironmentTokensPgTest, ASecondStartWithTheSameTokensChangesNothing) {
  auto first = NewReplica();
  ASSERT_TRUE(first->Start(kAdmin, absl::StrCat("sync:", kSync)).ok());
  const std::string stored = EverythingStored();
  clock_.Advance(absl::Minutes(5));
  auto second = NewReplica();
  ASSERT_TRUE(second->Start(kAdmin, absl::StrCat("sync:", kSync)).ok());
  EXPECT_EQ(EverythingStored(), stored);
  EXPECT_EQ(CodeOf(*second, kAdmin), absl::StatusCode::kOk);
  EXPECT_EQ(CodeOf(*second, kSync), absl::StatusCode::kOk);
}

TEST_F(EnvironmentTokensPgTest, ReplicasStartingAtOnceAllSucceedAndStoreEachTokenOnce) {
  std::vector<std::unique_ptr<Replica>> replicas;
  for (int i = 0; i < 8; ++i) replicas.push_back(NewReplica());
  // Each is connected already, so that all their transactions meet.
  for (auto& replica : replicas) {
    ASSERT_EQ(CodeOf(*replica, kSync), absl::StatusCode::kUnauthenticated);
  }
  std::vector<absl::Status> started(replicas.size());
  std::latch ready(replicas.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < replicas.size(); ++i) {
    threads.emplace_back([&, i] {
      ready.arrive_and_wait();
      started[i] = replicas[i]->Start(kAdmin, absl::StrCat("sync:", kSync));
    });
  }
  for (auto& thread : threads) thread.join();
  for (const absl::Status& status : started) EXPECT_TRUE(status.ok()) << status;
  EXPECT_THAT(Rows(),
              ElementsAre("bootstrap-admin bootstrap-admin ADMIN", "service-sync sync SERVICE"));
  EXPECT_EQ(CodeOf(*replicas[3], kSync), absl::StatusCode::kOk);
}

TEST_F(EnvironmentTokensPgTest, ATokenTakenOutOfTheEnvironmentIsRevokedAtTheNextStartOnly) {
  auto auth = NewReplica();
  auto issued = auth->tokens.Issue("billing", {CallerRole::kReader}, {"p1"}, std::nullopt);
  ASSERT_TRUE(issued.ok()) << issued.status();
  ASSERT_TRUE(auth->Start(kAdmin, absl::StrCat("sync:", kSync, ",notify:", kNotify)).ok());

  auto restarted = NewReplica();
  ASSERT_TRUE(restarted->Start("", absl::StrCat("sync:", kSync)).ok());
  EXPECT_EQ(CodeOf(*restarted, kAdmin), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CodeOf(*restarted, kNotify), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CodeOf(*restarted, kSync), absl::StatusCode::kOk);
  // Issued tokens are not the environment's.
  EXPECT_EQ(CodeOf(*restarted, issued->token), absl::StatusCode::kOk);
  EXPECT_THAT(Rows(), ::testing::Contains("bootstrap-admin bootstrap-admin ADMIN revoked"));

  // Put back, it is accepted again.
  auto again = NewReplica();
  ASSERT_TRUE(again->Start(kAdmin, absl::StrCat("sync:", kSync, ",notify:", kNotify)).ok());
  EXPECT_EQ(CodeOf(*again, kAdmin), absl::StatusCode::kOk);
  EXPECT_EQ(CodeOf(*again, kNotify), absl::StatusCode::kOk);
}

TEST_F(EnvironmentTokensPgTest, AChangedSecretReplacesTheOldOne) {
  auto auth = NewReplica();
  ASSERT_TRUE(auth->Start(kAdmin, absl::StrCat("sync:", kSync, ",notify:", kNotify)).ok());
  auto restarted = NewReplica();
  // The admin's secret changes, and sync and notify swap theirs.
  const std::string new_admin = "operator-chosen-admin-secret-rotated-1";
  ASSERT_TRUE(restarted->Start(new_admin, absl::StrCat("sync:", kNotify, ",notify:", kSync)).ok());
  EXPECT_EQ(CodeOf(*restarted, kAdmin), absl::StatusCode::kUnauthenticated);
  absl::StatusOr<Caller> admin = restarted->authenticator.Authenticate(new_admin);
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->name, "bootstrap-admin");
  absl::StatusOr<Caller> sync = restarted->authenticator.Authenticate(kNotify);
  ASSERT_TRUE(sync.ok()) << sync.status();
  EXPECT_EQ(sync->name, "sync");
  EXPECT_THAT(Rows(), ElementsAre("bootstrap-admin bootstrap-admin ADMIN",
                                  "service-notify notify SERVICE", "service-sync sync SERVICE"));
}

TEST_F(EnvironmentTokensPgTest, ATokenRevokedByAnAdminStaysRevokedUntilItsSecretChanges) {
  auto auth = NewReplica();
  ASSERT_TRUE(auth->Start(kAdmin, absl::StrCat("sync:", kSync)).ok());
  ASSERT_TRUE(auth->tokens.Revoke("service-sync").ok());
  auto restarted = NewReplica();
  ASSERT_TRUE(restarted->Start(kAdmin, absl::StrCat("sync:", kSync)).ok());
  EXPECT_EQ(CodeOf(*restarted, kSync), absl::StatusCode::kUnauthenticated);
  auto rotated = NewReplica();
  ASSERT_TRUE(rotated->Start(kAdmin, absl::StrCat("sync:", kNotify)).ok());
  EXPECT_EQ(CodeOf(*rotated, kNotify), absl::StatusCode::kOk);
}

TEST_F(EnvironmentTokensPgTest, ASecretThatIsAnIssuedTokensIsRefusedWithoutEchoingIt) {
  auto auth = NewReplica();
  auto issued = auth->tokens.Issue("billing", {CallerRole::kReader}, {}, std::nullopt);
  ASSERT_TRUE(issued.ok()) << issued.status();
  absl::Status status = auth->Start("", absl::StrCat("sync:", issued->token));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_FALSE(absl::StrContains(status.message(), issued->token)) << status;
  auto who = auth->authenticator.Authenticate(issued->token);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->name, "billing");
}

TEST_F(EnvironmentTokensPgTest, IssuedTokensAreFoundByDigestTooUntilTheyExpireOrAreRevoked) {
  auto auth = NewReplica();
  auto expiring = auth->tokens.Issue("billing", {CallerRole::kReader, CallerRole::kWriter},
                                     {"p1", "p2"}, clock_.Now() + absl::Minutes(1));
  ASSERT_TRUE(expiring.ok()) << expiring.status();
  absl::StatusOr<Caller> billing = auth->authenticator.Authenticate(expiring->token);
  ASSERT_TRUE(billing.ok()) << billing.status();
  EXPECT_EQ(billing->name, "billing");
  EXPECT_THAT(billing->roles, ElementsAre(CallerRole::kReader, CallerRole::kWriter));
  EXPECT_THAT(billing->portal_ids, ElementsAre("p1", "p2"));
  std::string tampered = expiring->token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(CodeOf(*auth, tampered), absl::StatusCode::kUnauthenticated);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(CodeOf(*auth, expiring->token), absl::StatusCode::kUnauthenticated);

  auto revoked = auth->tokens.Issue("reports", {CallerRole::kReader}, {}, std::nullopt);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(CodeOf(*auth, revoked->token), absl::StatusCode::kOk);
  ASSERT_TRUE(auth->tokens.Revoke(revoked->caller_token.caller_token_id).ok());
  EXPECT_EQ(CodeOf(*auth, revoked->token), absl::StatusCode::kUnauthenticated);
}

TEST_F(EnvironmentTokensPgTest, AnUnreachableDatabaseIsUnavailableNeverACaller) {
  auto auth = NewReplica();
  ASSERT_TRUE(auth->Start(kAdmin, "").ok());
  // Nothing listens on port 1.
  Replica down("postgresql://crmsync@127.0.0.1:1/crmsync", clock_);
  absl::Status status = down.authenticator.Authenticate(kAdmin).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_FALSE(absl::StrContains(status.message(), kAdmin)) << status;
}

}  // namespace
}  // namespace crmsync::auth

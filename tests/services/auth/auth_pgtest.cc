// The auth service over an in-process gRPC channel against a real PostgreSQL, with a fake
// accounts server: grants, vending, single flight, Zoho's limits, broken grants and their relay,
// key rotation, and what is stored at rest.
#include <grpcpp/grpcpp.h>

#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/pg/migrations.h"
#include "libs/pg/pool.h"
#include "prometheus/registry.h"
#include "services/auth/auth_server.h"
#include "services/auth/method_roles.h"
#include "services/auth/pg_store.h"
#include "services/auth/schema.h"
#include "tests/services/auth/fake_accounts.h"
#include "tests/support/callers/callers.h"
#include "tests/support/pg/test_database.h"

namespace crmsync::auth {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<pg::Pool> NewPool(const std::string& url) {
  pg::PoolOptions options;
  options.database_url = url;
  options.schema = "auth";
  options.statements = Queries();
  return *pg::Pool::Create(options);
}

// One auth process: its own pool, caches and gRPC server on a shared database.
struct Process {
  Process(const std::string& url, Accounts& accounts, const crypto::KeySet& keys,
          const Clock& clock, VendorOptions vendor_options, ServerOptions server_options = {})
      : pool(NewPool(url)),
        store(*pool),
        registry(std::make_shared<prometheus::Registry>()),
        metrics(*registry),
        vendor(store, accounts, keys, clock, metrics, vendor_options),
        grants(store, accounts, keys, clock, vendor, server_options.allow_loopback_http),
        callers(store, clock),
        service(grants, vendor, callers, server_options) {
    server = std::make_unique<crmsync::testing::JudgedServer>(std::vector<grpc::Service*>{&service},
                                                              AuthMethodRoles());
    stub = v1::AuthService::NewStub(server->admin_channel());
    service_stub = v1::AuthService::NewStub(server->service_channel());
  }

  grpc::Status Register(const v1::RegisterGrantRequest& request,
                        v1::RegisterGrantResponse* response = nullptr) {
    grpc::ClientContext context;
    v1::RegisterGrantResponse ignored;
    return stub->RegisterGrant(&context, request, response ? response : &ignored);
  }
  grpc::Status Get(const std::string& portal, v1::GetGrantResponse* response) {
    grpc::ClientContext context;
    v1::GetGrantRequest request;
    request.set_portal_id(portal);
    request.set_side(common::v1::SIDE_CRM);
    return stub->GetGrant(&context, request, response);
  }
  grpc::Status Token(const std::string& portal, std::vector<std::string> scopes,
                     v1::GetAccessTokenResponse* response, const std::string& rejected = "") {
    grpc::ClientContext context;
    v1::GetAccessTokenRequest request;
    request.set_portal_id(portal);
    request.set_side(common::v1::SIDE_CRM);
    for (auto& scope : scopes) request.add_scopes(scope);
    request.set_rejected_access_token(rejected);
    return service_stub->GetAccessToken(&context, request, response);
  }
  grpc::Status List(const v1::ListGrantsRequest& request, v1::ListGrantsResponse* response) {
    grpc::ClientContext context;
    return stub->ListGrants(&context, request, response);
  }
  grpc::Status Revoke(const std::string& portal, bool local_only,
                      v1::RevokeGrantResponse* response) {
    grpc::ClientContext context;
    v1::RevokeGrantRequest request;
    request.set_portal_id(portal);
    request.set_side(common::v1::SIDE_CRM);
    request.set_local_only(local_only);
    return stub->RevokeGrant(&context, request, response);
  }
  grpc::Status Rotate(bool dry_run, v1::RotateKeysResponse* response) {
    grpc::ClientContext context;
    v1::RotateKeysRequest request;
    request.set_dry_run(dry_run);
    return stub->RotateKeys(&context, request, response);
  }

  std::unique_ptr<pg::Pool> pool;
  PgStore store;
  std::shared_ptr<prometheus::Registry> registry;
  AuthMetrics metrics;
  TokenVendor vendor;
  GrantRegistry grants;
  CallerTokens callers;
  AuthServer service;
  std::unique_ptr<crmsync::testing::JudgedServer> server;
  std::unique_ptr<v1::AuthService::Stub> stub;          // ADMIN
  std::unique_ptr<v1::AuthService::Stub> service_stub;  // SERVICE
};

constexpr char kTasks[] = "ZohoCRM.modules.tasks.ALL";
constexpr char kUsers[] = "ZohoCRM.users.READ";

v1::RegisterGrantRequest Registration(const std::string& portal) {
  v1::RegisterGrantRequest request;
  request.set_portal_id(portal);
  request.set_side(common::v1::SIDE_CRM);
  request.set_accounts_server_url("https://accounts.zoho.eu");
  // Not the API host the accounts server answers with (FakeAccounts::api_domain).
  request.set_api_domain("https://www.zohoapis.com");
  request.set_client_id("1000.CLIENTID");
  request.set_client_secret("client-secret-" + portal);
  request.set_refresh_token("1000.refresh-token-" + portal);
  request.add_scopes(kUsers);
  request.add_scopes(kTasks);
  request.set_owner_email("owner@example.com");
  return request;
}

class AuthPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = ::crmsync::testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    auto pool = NewPool(database_->url());
    auto migrated = pg::Migrate(*pool, "auth", Migrations());
    ASSERT_TRUE(migrated.ok()) << migrated.status();
    keys_ = crypto::KeySet::Generate("k1");
    options_.sleep = [this](absl::Duration d) { slept_ += d; };
    options_.memory_ttl = absl::Seconds(10);
  }

  std::unique_ptr<Process> Start(ServerOptions server_options = {}) {
    return std::make_unique<Process>(database_->url(), accounts_, keys_, clock_, options_,
                                     server_options);
  }

  // Every stored row of the schema as JSON text.
  std::string EverythingStored() {
    pqxx::connection connection(database_->url());
    pqxx::work tx(connection);
    std::string all;
    for (const char* table : {"grants", "token_mints", "grant_failures", "caller_tokens"}) {
      for (const auto& row :
           tx.exec(std::string("SELECT row_to_json(t)::text FROM auth.") + table + " t")) {
        all += row[0].as<std::string>() + "\n";
      }
    }
    return all;
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection connection(database_->url());
    pqxx::work tx(connection);
    return tx.exec(sql)[0][0].as<int64_t>();
  }

  std::unique_ptr<::crmsync::testing::TestDatabase> database_;
  testing::FakeAccounts accounts_;
  crypto::KeySet keys_;
  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  VendorOptions options_;
  absl::Duration slept_;
};

TEST_F(AuthPgTest, RegisteredGrantIsReturnedWithoutSecretsAndStoredSealed) {
  auto auth = Start();
  v1::RegisterGrantResponse registered;
  ASSERT_TRUE(auth->Register(Registration("p1"), &registered).ok());
  EXPECT_EQ(registered.grant().state(), v1::GRANT_STATE_ACTIVE);
  EXPECT_EQ(registered.grant().key_id(), "k1");
  EXPECT_THAT(registered.grant().scopes(), ::testing::ElementsAre(kTasks, kUsers));
  EXPECT_EQ(accounts_.last_refresh_token, "1000.refresh-token-p1");
  EXPECT_EQ(accounts_.last_client_secret, "client-secret-p1");

  v1::GetGrantResponse got;
  ASSERT_TRUE(auth->Get("p1", &got).ok());
  const std::string text = got.grant().DebugString();
  EXPECT_FALSE(absl::StrContains(text, "client-secret-p1"));
  EXPECT_FALSE(absl::StrContains(text, "refresh-token-p1"));
  EXPECT_FALSE(absl::StrContains(text, "1000.access."));
  EXPECT_TRUE(got.grant().has_access_token_expire_time());

  const std::string stored = EverythingStored();
  EXPECT_THAT(stored, HasSubstr("p1"));
  EXPECT_THAT(stored, HasSubstr("v1.k1."));
  EXPECT_FALSE(absl::StrContains(stored, "client-secret-p1"));
  EXPECT_FALSE(absl::StrContains(stored, "refresh-token-p1"));
  EXPECT_FALSE(absl::StrContains(stored, "1000.access.1"));
}

TEST_F(AuthPgTest, BadFieldsAreInvalidArgumentNamingTheField) {
  auto auth = Start();
  auto expect_invalid = [&](const std::string& field, auto mutate) {
    v1::RegisterGrantRequest request = Registration("p1");
    mutate(request);
    grpc::Status status = auth->Register(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_TRUE(absl::StartsWith(status.error_message(), field)) << status.error_message();
    EXPECT_FALSE(absl::StrContains(status.error_message(), "secret-p1"));
  };
  expect_invalid("portal_id", [](auto& r) { r.set_portal_id(""); });
  expect_invalid("portal_id", [](auto& r) { r.set_portal_id("p 1"); });
  expect_invalid("side", [](auto& r) { r.set_side(common::v1::SIDE_UNSPECIFIED); });
  expect_invalid("accounts_server_url",
                 [](auto& r) { r.set_accounts_server_url("http://accounts.zoho.eu"); });
  expect_invalid("accounts_server_url",
                 [](auto& r) { r.set_accounts_server_url("http://127.0.0.1:8080"); });
  expect_invalid("accounts_server_url",
                 [](auto& r) { r.set_accounts_server_url("https://accounts.zoho.eu/oauth"); });
  expect_invalid("api_domain", [](auto& r) { r.set_api_domain("ftp://www.zohoapis.eu"); });
  expect_invalid("client_id", [](auto& r) { r.set_client_id(""); });
  expect_invalid("client_secret", [](auto& r) { r.set_client_secret("has space-secret-p1"); });
  expect_invalid("refresh_token", [](auto& r) { r.set_refresh_token(""); });
  expect_invalid("scopes", [](auto& r) { r.clear_scopes(); });
  expect_invalid("scopes[2]", [](auto& r) { r.add_scopes("ZohoCRM.tasks"); });
  expect_invalid("scopes[0]", [](auto& r) { r.set_scopes(0, "ZohoCRM.modules.tasks.all"); });
  expect_invalid("owner_email", [](auto& r) { r.set_owner_email("nobody"); });
  EXPECT_EQ(accounts_.mint_calls, 0);

  v1::GetAccessTokenResponse token;
  EXPECT_EQ(auth->Token("p1", {}, &token).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status bad_scope = auth->Token("p1", {"tasks"}, &token);
  EXPECT_EQ(bad_scope.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_scope.error_message(), HasSubstr("scopes[0]"));
}

TEST_F(AuthPgTest, LoopbackHttpIsAcceptedOnlyWhenAllowed) {
  auto auth = Start({.allow_loopback_http = true});
  v1::RegisterGrantRequest request = Registration("p1");
  request.set_accounts_server_url("http://127.0.0.1:8080");
  request.set_api_domain("http://localhost:8080");
  EXPECT_TRUE(auth->Register(request).ok());
  request.set_accounts_server_url("http://accounts.zoho.eu");
  request.set_replace_existing(true);
  EXPECT_EQ(auth->Register(request).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuthPgTest, GrantsNamingHostsOtherThanZohosAreRefusedAndNothingIsStored) {
  auto auth = Start({.allow_loopback_http = true});
  struct Refused {
    const char* field;
    const char* url;
    const char* hosts;  // the start of the accepted hosts the message lists
  };
  for (const Refused& refused : std::vector<Refused>{
           {"accounts_server_url", "https://accounts.zoho.com.evil.example", "accounts.zoho.com, "},
           {"accounts_server_url", "https://accounts.zoho.com@evil.example", "accounts.zoho.com, "},
           {"accounts_server_url", "https://evil.example", "accounts.zoho.com, "},
           {"accounts_server_url", "https://accounts.zoho.com:8443", "accounts.zoho.com, "},
           {"accounts_server_url", "http://accounts.zoho.com", "accounts.zoho.com, "},
           {"api_domain", "https://www.zohoapis.com.evil.example", "www.zohoapis.com, "},
           {"api_domain", "https://evil.example", "www.zohoapis.com, "},
           {"api_domain", "https://accounts.zoho.com", "www.zohoapis.com, "}}) {
    v1::RegisterGrantRequest request = Registration("p1");
    if (refused.field == std::string("api_domain")) {
      request.set_api_domain(refused.url);
    } else {
      request.set_accounts_server_url(refused.url);
    }
    grpc::Status status = auth->Register(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused.url;
    EXPECT_THAT(status.error_message(),
                HasSubstr(absl::StrCat(refused.field, ": must be https://")));
    EXPECT_THAT(status.error_message(), HasSubstr(refused.hosts));
  }
  EXPECT_EQ(accounts_.mint_calls, 0);  // the refresh token went nowhere

  // The accounts server's answer names the API host; one that is not Zoho's is refused too.
  accounts_.api_domain = "https://www.zohoapis.eu.evil.example";
  grpc::Status status = auth->Register(Registration("p1"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("untrusted api_domain"));
  EXPECT_EQ(EverythingStored(), "");
  v1::GetGrantResponse got;
  EXPECT_EQ(auth->Get("p1", &got).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AuthPgTest, ATokenWhoseMintNamesAnApiHostOtherThanZohosIsNeitherVendedNorStored) {
  auto auth = Start();
  ASSERT_TRUE(auth->Register(Registration("p1")).ok());
  accounts_.api_domain = "https://www.zohoapis.eu.evil.example";
  v1::GetAccessTokenResponse token;
  grpc::Status status = auth->Token("p1", {kTasks}, &token, "1000.access.1");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("untrusted api_domain"));
  EXPECT_EQ(accounts_.mint_calls, 2);  // not retried: the accounts server would say it again
  v1::GetGrantResponse got;
  ASSERT_TRUE(auth->Get("p1", &got).ok());
  EXPECT_EQ(got.grant().api_domain(), "https://www.zohoapis.eu");
  EXPECT_FALSE(absl::StrContains(EverythingStored(), "evil"));
}

TEST_F(AuthPgTest, RegistrationRefusedByZohoStoresNothing) {
  auto auth = Start();
  accounts_.FailMints({absl::UnauthenticatedError("refresh token wrong or revoked")});
  grpc::Status status = auth->Register(Registration("p1"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("invalid_code"));
  accounts_.FailMints({absl::FailedPreconditionError("client id or secret wrong")});
  status = auth->Register(Registration("p1"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("invalid_client"));
  accounts_.FailMints({absl::ResourceExhaustedError("Access Denied")});
  EXPECT_EQ(auth->Register(Registration("p1")).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  v1::GetGrantResponse got;
  EXPECT_EQ(auth->Get("p1", &got).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AuthPgTest, ExistingGrantIsReplacedOnlyWhenAsked) {
  auto auth = Start();
  ASSERT_TRUE(auth->Register(Registration("p1")).ok());
  EXPECT_EQ(auth->Register(Registration("p1")).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  v1::RegisterGrantRequest replacement = Registration("p1");
  replacement.set_replace_existing(true);
  replacement.set_refresh_token("1000.second-refresh");
  replacement.set_owner_email("new-owner@example.com");
  v1::RegisterGrantResponse replaced;
  ASSERT_TRUE(auth->Register(replacement, &replaced).ok());
  EXPECT_EQ(replaced.grant().owner_email(), "new-owner@example.com");
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token).ok());
  EXPECT_EQ(token.access_token(), "1000.access.2");
}

TEST_F(AuthPgTest, ListGrantsPagesInKeyOrderAndChecksTokens) {
  auto auth = Start();
  for (const char* portal : {"p5", "p1", "p4", "p2", "p3"}) {
    ASSERT_TRUE(auth->Register(Registration(portal)).ok());
  }
  std::vector<std::string> seen;
  v1::ListGrantsRequest request;
  request.set_page_size(2);
  int pages = 0;
  do {
    v1::ListGrantsResponse page;
    ASSERT_TRUE(auth->List(request, &page).ok());
    for (const auto& grant : page.grants()) seen.push_back(grant.portal_id());
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ::testing::ElementsAre("p1", "p2", "p3", "p4", "p5"));

  v1::ListGrantsResponse page;
  request.set_page_size(2);
  request.clear_page_token();
  ASSERT_TRUE(auth->List(request, &page).ok());
  v1::ListGrantsRequest other_filter = request;
  other_filter.set_page_token(page.next_page_token());
  other_filter.set_state(v1::GRANT_STATE_BROKEN);
  grpc::Status status = auth->List(other_filter, &page);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  other_filter.set_page_token("%%%");
  EXPECT_EQ(auth->List(other_filter, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::ListGrantsRequest negative;
  negative.set_page_size(-1);
  status = auth->List(negative, &page);
  EXPECT_THAT(status.error_message(), HasSubstr("page_size"));

  v1::ListGrantsRequest broken_only;
  broken_only.set_state(v1::GRANT_STATE_BROKEN);
  v1::ListGrantsResponse none;
  ASSERT_TRUE(auth->List(broken_only, &none).ok());
  EXPECT_EQ(none.grants_size(), 0);
  v1::ListGrantsRequest one_portal;
  one_portal.set_portal_id("p3");
  ASSERT_TRUE(auth->List(one_portal, &none).ok());
  ASSERT_EQ(none.grants_size(), 1);
  EXPECT_EQ(none.grants(0).portal_id(), "p3");
}

TEST_F(AuthPgTest, RevokeRevokesAtZohoThenDeletes) {
  auto auth = Start();
  ASSERT_TRUE(auth->Register(Registration("p1")).ok());
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token).ok());

  accounts_.revoke_status = absl::UnavailableError("accounts down");
  v1::RevokeGrantResponse revoked;
  EXPECT_EQ(auth->Revoke("p1", false, &revoked).error_code(), grpc::StatusCode::UNAVAILABLE);
  v1::GetGrantResponse got;
  EXPECT_TRUE(auth->Get("p1", &got).ok());

  accounts_.revoke_status = absl::OkStatus();
  ASSERT_TRUE(auth->Revoke("p1", false, &revoked).ok());
  EXPECT_TRUE(revoked.revoked_at_zoho());
  EXPECT_EQ(accounts_.last_revoked, "1000.refresh-token-p1");
  EXPECT_EQ(auth->Get("p1", &got).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(auth->Token("p1", {kTasks}, &token).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(auth->Revoke("p1", true, &revoked).error_code(), grpc::StatusCode::NOT_FOUND);

  ASSERT_TRUE(auth->Register(Registration("p2")).ok());
  ASSERT_TRUE(auth->Revoke("p2", true, &revoked).ok());
  EXPECT_FALSE(revoked.revoked_at_zoho());
  EXPECT_EQ(accounts_.revoke_calls, 2);
}

TEST_F(AuthPgTest, TokenIsVendedOnlyForGrantedScopes) {
  auto auth = Start();
  ASSERT_TRUE(auth->Register(Registration("p1")).ok());
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", {kTasks, kUsers}, &token).ok());
  EXPECT_EQ(token.access_token(), "1000.access.1");
  EXPECT_EQ(token.api_domain(), "https://www.zohoapis.eu");
  grpc::Status denied = auth->Token("p1", {kTasks, "ZohoCRM.modules.deals.ALL"}, &token);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(denied.error_message(), HasSubstr("ZohoCRM.modules.deals.ALL"));
  EXPECT_EQ(auth->Token("p9", {kTasks}, &token).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(accounts_.mint_calls, 1);
}

TEST_F(AuthPgTest, EachTokenGoesWithTheApiHostItsMintReplyNamed) {
  auto auth = Start();
  v1::RegisterGrantResponse registered;
  ASSERT_TRUE(auth->Register(Registration("p1"), &registered).ok());
  EXPECT_EQ(registered.grant().api_domain(), "https://www.zohoapis.eu");
  accounts_.api_domain = "https://www.zohoapis.in";
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token, "1000.access.1").ok());
  EXPECT_EQ(token.access_token(), "1000.access.2");
  EXPECT_EQ(token.api_domain(), "https://www.zohoapis.in");
  v1::GetGrantResponse got;
  ASSERT_TRUE(auth->Get("p1", &got).ok());
  EXPECT_EQ(got.grant().api_domain(), "https://www.zohoapis.in");
  auto other = Start();  // reads the token and its API host from Postgres
  ASSERT_TRUE(other->Token("p1", {kTasks}, &token).ok());
  EXPECT_EQ(token.access_token(), "1000.access.2");
  EXPECT_EQ(token.api_domain(), "https://www.zohoapis.in");
}

TEST_F(AuthPgTest, ConcurrentCallersOnTwoProcessesShareOneMint) {
  auto first = Start();
  auto second = Start();
  ASSERT_TRUE(first->Register(Registration("p1")).ok());
  clock_.Advance(absl::Minutes(56));  // the registration's token is inside the refresh margin
  accounts_.mint_delay = absl::Milliseconds(200);
  std::vector<std::thread> callers;
  std::mutex mutex;
  std::set<std::string> tokens;
  std::atomic<int> failures{0};
  for (int i = 0; i < 60; ++i) {
    callers.emplace_back([&, i] {
      v1::GetAccessTokenResponse token;
      grpc::Status status = (i % 2 ? *first : *second).Token("p1", {kTasks}, &token);
      if (!status.ok()) ++failures;
      std::lock_guard lock(mutex);
      tokens.insert(token.access_token());
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(accounts_.mint_calls, 2);  // registration + one refresh
  EXPECT_THAT(tokens, ::testing::ElementsAre("1000.access.2"));
}

TEST_F(AuthPgTest, AMintUnderTheOldCredentialsOfAReplacedGrantIsNotStored) {
  auto auth = Start();
  auto admin = Start();
  ASSERT_TRUE(auth->Register(Registration("p1")).ok());
  v1::RegisterGrantRequest replacement = Registration("p1");
  replacement.set_replace_existing(true);
  replacement.set_refresh_token("1000.second-refresh");
  accounts_.during_mint = [&](int n) {
    // While mint 2 (old credentials) is in flight, an admin replaces the grant (mint 3).
    if (n == 2) {
      EXPECT_TRUE(admin->Register(replacement).ok());
    }
  };
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token, "1000.access.1").ok());
  EXPECT_EQ(token.access_token(), "1000.access.3");
  auto other = Start();
  ASSERT_TRUE(other->Token("p1", {kTasks}, &token).ok());
  EXPECT_EQ(token.access_token(), "1000.access.3");
  EXPECT_EQ(accounts_.mint_calls, 3);
}

TEST_F(AuthPgTest, RejectedCurrentTokenIsReplacedOnceAndAnOlderOneIsNot) {
  auto auth = Start();
  ASSERT_TRUE(auth->Register(Registration("p1")).ok());
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token, "1000.access.1").ok());
  EXPECT_EQ(token.access_token(), "1000.access.2");
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token, "1000.access.1").ok());
  EXPECT_EQ(token.access_token(), "1000.access.2");
  EXPECT_EQ(accounts_.mint_calls, 2);
}

TEST_F(AuthPgTest, MintBudgetOfTenPerWindowIsNeverExceeded) {
  auto auth = Start();
  ASSERT_TRUE(auth->Register(Registration("p1")).ok());
  v1::GetAccessTokenResponse token;
  std::string rejected = "1000.access.1";
  for (int i = 0; i < 9; ++i) {
    ASSERT_TRUE(auth->Token("p1", {kTasks}, &token, rejected).ok()) << i;
    rejected = token.access_token();
  }
  EXPECT_EQ(accounts_.mint_calls, 10);
  grpc::Status status = auth->Token("p1", {kTasks}, &token, rejected);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(accounts_.mint_calls, 10);
  clock_.Advance(absl::Minutes(10) + absl::Seconds(1));
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token, rejected).ok());
  EXPECT_EQ(accounts_.mint_calls, 11);
}

TEST_F(AuthPgTest, ThrottleIsRetriedWithBackoffAndNeverTakenForSuccess) {
  auto auth = Start();
  ASSERT_TRUE(auth->Register(Registration("p1")).ok());
  clock_.Advance(absl::Minutes(61));
  accounts_.FailMints({absl::ResourceExhaustedError("Access Denied")}, /*repeat_last=*/true);
  v1::GetAccessTokenResponse token;
  EXPECT_EQ(auth->Token("p1", {kTasks}, &token).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(accounts_.mint_calls, 1 + options_.refresh_attempts);
  EXPECT_GT(slept_, absl::ZeroDuration());

  accounts_.FailMints({absl::ResourceExhaustedError("Access Denied")});
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token).ok());
  EXPECT_EQ(token.access_token(), absl::StrCat("1000.access.", accounts_.mint_calls.load()));
  v1::GetGrantResponse got;
  ASSERT_TRUE(auth->Get("p1", &got).ok());
  EXPECT_EQ(got.grant().state(), v1::GRANT_STATE_ACTIVE);
}

TEST_F(AuthPgTest, TransientFailureKeepsTheCurrentTokenWhileValid) {
  auto auth = Start();
  ASSERT_TRUE(auth->Register(Registration("p1")).ok());
  clock_.Advance(absl::Minutes(57));  // 3 minutes left: due, still valid
  accounts_.FailMints({absl::UnavailableError("HTTP 503")}, /*repeat_last=*/true);
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token).ok());
  EXPECT_EQ(token.access_token(), "1000.access.1");
  clock_.Advance(absl::Minutes(3));  // expired
  EXPECT_EQ(auth->Token("p1", {kTasks}, &token).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(AuthPgTest, InvalidCodeBreaksTheGrantAndQueuesOneFailureForItsOwner) {
  auto auth = Start();
  ASSERT_TRUE(auth->Register(Registration("p1")).ok());
  clock_.Advance(absl::Minutes(61));
  accounts_.FailMints({absl::UnauthenticatedError("refresh token wrong or revoked")});
  v1::GetAccessTokenResponse token;
  grpc::Status status = auth->Token("p1", {kTasks}, &token);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("invalid_code"));
  EXPECT_EQ(auth->Token("p1", {kTasks}, &token).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(accounts_.mint_calls, 2);

  v1::GetGrantResponse got;
  ASSERT_TRUE(auth->Get("p1", &got).ok());
  EXPECT_EQ(got.grant().state(), v1::GRANT_STATE_BROKEN);
  EXPECT_THAT(got.grant().broken_reason(), HasSubstr("invalid_code"));
  EXPECT_TRUE(got.grant().has_broken_time());
  EXPECT_EQ(Count("SELECT count(*) FROM auth.grant_failures"), 1);

  // Its relay to the owner is queued in the same transaction, due at once.
  EXPECT_EQ(Count("SELECT count(*) FROM auth.work_items w JOIN auth.grant_failures f "
                  "ON w.item_key = f.failure_id AND w.payload = f.failure_id "
                  "WHERE w.queue = 'auth_failure_relay' AND w.state = 'PENDING' "
                  "AND f.owner_email = 'owner@example.com' AND f.reason LIKE '%invalid_code%'"),
            1);

  v1::RegisterGrantRequest again = Registration("p1");
  again.set_replace_existing(true);
  ASSERT_TRUE(auth->Register(again).ok());
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token).ok());
}

TEST_F(AuthPgTest, RefresherRenewsTokensInsideTheMarginBeforeCallersNeedThem) {
  auto auth = Start();
  ASSERT_TRUE(auth->Register(Registration("p1")).ok());
  ASSERT_TRUE(auth->Register(Registration("p2")).ok());
  EXPECT_EQ(*auth->vendor.RefreshDue(), 0);
  clock_.Advance(absl::Minutes(54) + absl::Seconds(30));  // 5.5 min left: inside margin+ahead
  EXPECT_EQ(*auth->vendor.RefreshDue(), 2);
  EXPECT_EQ(accounts_.mint_calls, 4);
  clock_.Advance(absl::Minutes(2));
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token).ok());
  EXPECT_EQ(accounts_.mint_calls, 4);
  EXPECT_THAT(token.access_token(), ::testing::AnyOf("1000.access.3", "1000.access.4"));
}

TEST_F(AuthPgTest, RotationReencryptsEverySecretUnderTheNewestKey) {
  {
    auto auth = Start();
    ASSERT_TRUE(auth->Register(Registration("p1")).ok());
    ASSERT_TRUE(auth->Register(Registration("p2")).ok());
  }
  ASSERT_TRUE(keys_.Append(crypto::KeySet::Generate("k2")).ok());
  {
    auto auth = Start();
    v1::RotateKeysResponse counts;
    ASSERT_TRUE(auth->Rotate(/*dry_run=*/true, &counts).ok());
    EXPECT_EQ(counts.secrets_rewritten(), 6);
    ASSERT_TRUE(auth->Rotate(false, &counts).ok());
    EXPECT_EQ(counts.key_id(), "k2");
    EXPECT_EQ(counts.grants_rewritten(), 2);
    EXPECT_EQ(counts.secrets_rewritten(), 6);
    EXPECT_EQ(counts.secrets_failed(), 0);
    ASSERT_TRUE(auth->Rotate(false, &counts).ok());
    EXPECT_EQ(counts.secrets_rewritten(), 0);
    EXPECT_EQ(counts.secrets_already_current(), 6);
    v1::GetGrantResponse got;
    ASSERT_TRUE(auth->Get("p1", &got).ok());
    EXPECT_EQ(got.grant().key_id(), "k2");
  }
  EXPECT_FALSE(absl::StrContains(EverythingStored(), "v1.k1."));
  // Only the new key left: every grant still vends and refreshes.
  std::vector<std::string> lines = absl::StrSplit(keys_.Serialize(), '\n', absl::SkipEmpty());
  keys_ = *crypto::KeySet::Parse(lines.back());
  ASSERT_FALSE(keys_.HasKey("k1"));
  auto auth = Start();
  v1::GetAccessTokenResponse token;
  ASSERT_TRUE(auth->Token("p1", {kTasks}, &token).ok());
  EXPECT_EQ(token.access_token(), "1000.access.1");
  clock_.Advance(absl::Minutes(61));
  ASSERT_TRUE(auth->Token("p2", {kTasks}, &token).ok());
  EXPECT_EQ(token.access_token(), "1000.access.3");
  EXPECT_EQ(accounts_.last_client_secret, "client-secret-p2");
}

v1::IssueCallerTokenRequest CallerRequest(const std::string& name) {
  v1::IssueCallerTokenRequest request;
  request.set_caller_name(name);
  request.add_roles(v1::CALLER_ROLE_SERVICE);
  request.add_portal_ids("p1");
  return request;
}

TEST_F(AuthPgTest, IssuedCallerTokenAuthenticatesUntilRevoked) {
  auto auth = Start();
  grpc::ClientContext issue_context;
  v1::IssueCallerTokenResponse issued;
  ASSERT_TRUE(auth->stub->IssueCallerToken(&issue_context, CallerRequest("sync"), &issued).ok());
  const std::string& id = issued.caller_token().caller_token_id();
  EXPECT_THAT(issued.token(), ::testing::MatchesRegex("cst_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}"));
  EXPECT_TRUE(absl::StartsWith(issued.token(), "cst_" + id + "_"));
  EXPECT_EQ(issued.caller_token().state(), v1::CALLER_TOKEN_STATE_ACTIVE);
  EXPECT_FALSE(absl::StrContains(EverythingStored(), issued.token().substr(41)));

  auto authenticate = [&](const std::string& token, v1::AuthenticateCallerResponse* response) {
    grpc::ClientContext context;
    v1::AuthenticateCallerRequest request;
    request.set_token(token);
    return auth->service_stub->AuthenticateCaller(&context, request, response);
  };
  v1::AuthenticateCallerResponse who;
  ASSERT_TRUE(authenticate(issued.token(), &who).ok());
  EXPECT_EQ(who.caller_token().caller_name(), "sync");
  EXPECT_THAT(who.caller_token().roles(), ::testing::ElementsAre(v1::CALLER_ROLE_SERVICE));
  EXPECT_THAT(who.caller_token().portal_ids(), ::testing::ElementsAre("p1"));

  std::string tampered = issued.token();
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  grpc::Status refused = authenticate(tampered, &who);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(absl::StrContains(refused.error_message(), tampered));
  EXPECT_EQ(authenticate("garbage", &who).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(authenticate("", &who).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  auto revoke = [&](const std::string& token_id, v1::RevokeCallerTokenResponse* response) {
    grpc::ClientContext context;
    v1::RevokeCallerTokenRequest request;
    request.set_caller_token_id(token_id);
    return auth->stub->RevokeCallerToken(&context, request, response);
  };
  v1::RevokeCallerTokenResponse revoked;
  ASSERT_TRUE(revoke(id, &revoked).ok());
  EXPECT_EQ(revoked.caller_token().state(), v1::CALLER_TOKEN_STATE_REVOKED);
  clock_.Advance(absl::Seconds(5));
  v1::RevokeCallerTokenResponse again;
  ASSERT_TRUE(revoke(id, &again).ok());
  EXPECT_EQ(again.caller_token().revoke_time().seconds(),
            revoked.caller_token().revoke_time().seconds());
  EXPECT_EQ(authenticate(issued.token(), &who).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(revoke("no-such-token", &again).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(AuthPgTest, RequestsPastTheirBoundsAreRefusedNamingTheFieldWithoutEchoingTokens) {
  auto auth = Start();
  const auto expect_refused = [](const grpc::Status& status, const std::string& message) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << message;
    EXPECT_EQ(status.error_message(), message);
  };
  std::vector<std::string> scopes;
  for (int i = 0; i < 51; ++i) scopes.push_back(absl::StrCat("ZohoCRM.scope", i, ".ALL"));
  v1::RegisterGrantRequest registration = Registration("p1");
  for (const std::string& scope : scopes) registration.add_scopes(scope);
  expect_refused(auth->Register(registration), "scopes: at most 50 entries");
  EXPECT_EQ(accounts_.mint_calls, 0);

  v1::GetAccessTokenResponse token;
  expect_refused(auth->Token("p1", scopes, &token), "scopes: at most 50 entries");
  const std::string long_token = "cst_" + std::string(4093, 'k');
  expect_refused(auth->Token("p1", {"ZohoCRM.modules.tasks.ALL"}, &token, long_token),
                 "rejected_access_token: at most 4096 characters");

  v1::IssueCallerTokenRequest issue = CallerRequest("sync");
  for (int i = 0; i < 100; ++i) issue.add_portal_ids(absl::StrCat("p", i + 2));
  grpc::ClientContext issue_context;
  v1::IssueCallerTokenResponse issued;
  expect_refused(auth->stub->IssueCallerToken(&issue_context, issue, &issued),
                 "portal_ids: at most 100 entries");

  grpc::ClientContext authenticate_context;
  v1::AuthenticateCallerRequest authenticate;
  authenticate.set_token(long_token);
  v1::AuthenticateCallerResponse who;
  expect_refused(auth->service_stub->AuthenticateCaller(&authenticate_context, authenticate, &who),
                 "token: at most 4096 characters");

  v1::ListGrantsRequest list;
  list.set_page_token(std::string(4097, 'A'));
  v1::ListGrantsResponse page;
  expect_refused(auth->List(list, &page), "page_token: at most 4096 characters");
  grpc::ClientContext list_context;
  v1::ListCallerTokensResponse callers;
  ASSERT_TRUE(
      auth->stub->ListCallerTokens(&list_context, v1::ListCallerTokensRequest(), &callers).ok());
  EXPECT_THAT(callers.caller_tokens(), ::testing::IsEmpty());
}

TEST_F(AuthPgTest, CallerTokensExpireAndListNewestFirstByState) {
  auto auth = Start();
  auto issue = [&](v1::IssueCallerTokenRequest request, v1::IssueCallerTokenResponse* response) {
    grpc::ClientContext context;
    return auth->stub->IssueCallerToken(&context, request, response);
  };
  v1::IssueCallerTokenResponse issued;
  auto expect_invalid = [&](const std::string& field, auto mutate) {
    v1::IssueCallerTokenRequest request = CallerRequest("sync");
    mutate(request);
    grpc::Status status = issue(request, &issued);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_TRUE(absl::StartsWith(status.error_message(), field)) << status.error_message();
  };
  expect_invalid("caller_name", [](auto& r) { r.set_caller_name(""); });
  expect_invalid("caller_name", [](auto& r) { r.set_caller_name(std::string(101, 'x')); });
  expect_invalid("roles", [](auto& r) { r.clear_roles(); });
  expect_invalid("roles[1]", [](auto& r) { r.add_roles(v1::CALLER_ROLE_UNSPECIFIED); });
  expect_invalid("portal_ids[0]", [](auto& r) { r.set_portal_ids(0, "a/b"); });
  expect_invalid("expire_time", [&](auto& r) {
    r.mutable_expire_time()->set_seconds(absl::ToUnixSeconds(clock_.Now()) - 1);
  });

  std::vector<std::string> ids;
  for (const char* name : {"first", "second", "third"}) {
    v1::IssueCallerTokenRequest request = CallerRequest(name);
    if (std::string(name) == "second") {
      request.mutable_expire_time()->set_seconds(absl::ToUnixSeconds(clock_.Now()) + 60);
    }
    ASSERT_TRUE(issue(request, &issued).ok());
    ids.push_back(issued.caller_token().caller_token_id());
    clock_.Advance(absl::Seconds(1));
  }
  clock_.Advance(absl::Minutes(2));  // "second" has expired

  auto list = [&](v1::ListCallerTokensRequest request) {
    std::vector<std::string> names;
    for (int page = 0; page < 10; ++page) {
      grpc::ClientContext context;
      v1::ListCallerTokensResponse response;
      EXPECT_TRUE(auth->stub->ListCallerTokens(&context, request, &response).ok());
      for (const auto& token : response.caller_tokens()) names.push_back(token.caller_name());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return names;
  };
  v1::ListCallerTokensRequest all;
  all.set_page_size(2);
  EXPECT_THAT(list(all), ::testing::ElementsAre("third", "second", "first"));
  v1::ListCallerTokensRequest expired;
  expired.set_state(v1::CALLER_TOKEN_STATE_EXPIRED);
  EXPECT_THAT(list(expired), ::testing::ElementsAre("second"));
  v1::ListCallerTokensRequest active;
  active.set_state(v1::CALLER_TOKEN_STATE_ACTIVE);
  active.set_page_size(1);
  EXPECT_THAT(list(active), ::testing::ElementsAre("third", "first"));

  grpc::ClientContext context;
  v1::ListCallerTokensResponse response;
  v1::ListCallerTokensRequest bad;
  bad.set_page_token("bm9wZQ");
  grpc::Status status = auth->stub->ListCallerTokens(&context, bad, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
}

}  // namespace
}  // namespace crmsync::auth

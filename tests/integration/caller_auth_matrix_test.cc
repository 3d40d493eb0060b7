// Every RPC of every crmsync service, taken from the compiled service descriptors (not a hand
// list), called on the real binaries as an intruder or a too-weak caller would: with no token, a
// garbage one, an expired one, a revoked one, a token of another portal and a token whose role
// is too weak. Each is refused with the code common.proto names and nothing is written; a
// READER's reads get through. At the end no secret this run handled (caller tokens, the grant's
// client secret and refresh token, the access token auth minted) is in plain text in any table,
// in any service's log or in any /metrics.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/client_unary_call.h>

#include <cstdlib>
#include <map>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "crmsync/sync/v1/webhooks.grpc.pb.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "libs/crypto/aead.h"
#include "libs/grpc_server/proto_convert.h"
#include "services/auth/method_roles.h"
#include "services/mapping/method_roles.h"
#include "services/notify/method_roles.h"
#include "services/sync/method_roles.h"
#include "tests/support/callers/callers.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/serving_binary.h"
#include "tests/support/zoho_sim/sim_grant.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync {
namespace {

using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

constexpr char kPortalA[] = "700001";
constexpr char kPortalB[] = "700002";
constexpr char kClientSecret[] = "matrix-client-secret-0123456789abcdef";
constexpr char kGarbageToken[] = "cst_0000_garbage-that-looks-like-a-token-123456789";

// A service under test and the gRPC services its binary serves.
struct Binary {
  std::string name;
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  testing::ServingBinary serving;
};

std::shared_ptr<grpc::Channel> ChannelWith(const std::string& address, const std::string& token) {
  return testing::ChannelWithToken(address, grpc::ChannelArguments(), token);
}

// The request of `method` with nothing set but its top-level portal_id (when it has one).
std::unique_ptr<Message> RequestFor(const MethodDescriptor& method, const std::string& portal) {
  std::unique_ptr<Message> request(google::protobuf::MessageFactory::generated_factory()
                                       ->GetPrototype(method.input_type())
                                       ->New());
  if (const auto* field = method.input_type()->FindFieldByName("portal_id");
      field != nullptr && !field->is_repeated()) {
    request->GetReflection()->SetString(request.get(), field, portal);
  }
  return request;
}

// The role `method` needs, from the tables the services judge by (which method_roles_test holds
// to the protos).
CallerRole RoleOf(const MethodDescriptor& method) {
  const std::string path = absl::StrCat("/", method.service()->full_name(), "/", method.name());
  for (const MethodRoles& table : {auth::AuthMethodRoles(), mapping::MappingMethodRoles(),
                                   notify::NotifyMethodRoles(), sync::SyncMethodRoles()}) {
    if (auto it = table.find(path); it != table.end()) return it->second;
  }
  ADD_FAILURE() << path << " has no role";
  return CallerRole::kReader;
}

// The /metrics port a binary announced in its "listening" log line.
int MetricsPort(testing::Subprocess& process) {
  auto line = process.WaitForLine(
      [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; }, absl::Seconds(1));
  return line.ok() ? (*line)["metrics_port"].get<int>() : 0;
}

grpc::Status Call(const std::shared_ptr<grpc::Channel>& channel, const MethodDescriptor& method,
                  const std::string& portal) {
  const std::string path = absl::StrCat("/", method.service()->full_name(), "/", method.name());
  std::unique_ptr<Message> request = RequestFor(method, portal);
  std::unique_ptr<Message> response(google::protobuf::MessageFactory::generated_factory()
                                        ->GetPrototype(method.output_type())
                                        ->New());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return grpc::internal::BlockingUnaryCall<Message, Message>(
      channel.get(), grpc::internal::RpcMethod(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC),
      &context, *request, response.get());
}

class CallerAuthMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SetCallerEnvironment();
    auto database = testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    auto sim = testing::ZohoSimProcess::Start();
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    // Through the environment, as secrets are given.
    setenv(
        "CRMSYNC_ENCRYPTION_KEYS",
        std::string(absl::StripTrailingAsciiWhitespace(crypto::KeySet::Generate("k1").Serialize()))
            .c_str(),
        1);
    const std::vector<std::string> common = {
        "--database_url=" + database_->url(), "--grpc_port=0", "--metrics_port=0",
        "--listen_host=127.0.0.1", "--health_check_interval=200ms",
        // Revocations then take effect within a second instead of a minute.
        "--caller_cache_ttl=1s"};
    auto start = [&](const std::string& name, std::vector<std::string> extra,
                     std::vector<const google::protobuf::FileDescriptor*> files) {
      std::vector<std::string> args = common;
      args.insert(args.end(), extra.begin(), extra.end());
      Binary binary{name, {}, testing::StartServing(CRMSYNC_BIN_DIR "/crmsync-" + name, args)};
      for (const auto* file : files) {
        for (int s = 0; s < file->service_count(); ++s) binary.services.push_back(file->service(s));
      }
      return binary;
    };
    binaries_.push_back(start("auth", {"--allow_loopback_http"},
                              {auth::v1::GetGrantRequest::descriptor()->file()}));
    ASSERT_NE(binaries_[0].serving.channel, nullptr);
    const std::string auth_address = "--auth_address=" + binaries_[0].serving.address;
    binaries_.push_back(start("mapping", {auth_address, "--projects_api_url=" + sim_->base_url()},
                              {mapping::v1::GetPortalRequest::descriptor()->file()}));
    binaries_.push_back(start("notify", {auth_address},
                              {notify::v1::GetNotificationRequest::descriptor()->file()}));
    ASSERT_NE(binaries_[1].serving.channel, nullptr);
    binaries_.push_back(start("sync",
                              {auth_address, "--mapping_address=" + binaries_[1].serving.address,
                               "--delivery_workers=0", "--projects_api_url=" + sim_->base_url()},
                              {sync::v1::SubmitChangeRequest::descriptor()->file(),
                               sync::v1::WatchCrmTasksRequest::descriptor()->file()}));
    for (const Binary& binary : binaries_)
      ASSERT_NE(binary.serving.channel, nullptr) << binary.name;
    auth_ = auth::v1::AuthService::NewStub(binaries_[0].serving.channel);
  }

  // Issues a caller token; its secret.
  std::string Issue(const std::string& name, std::vector<auth::v1::CallerRole> roles,
                    std::vector<std::string> portals,
                    std::optional<absl::Time> expire = std::nullopt) {
    auth::v1::IssueCallerTokenRequest request;
    request.set_caller_name(name);
    for (auto role : roles) request.add_roles(role);
    for (const auto& portal : portals) request.add_portal_ids(portal);
    if (expire) *request.mutable_expire_time() = ToProtoTimestamp(*expire);
    auth::v1::IssueCallerTokenResponse response;
    grpc::ClientContext context;
    const grpc::Status status = auth_->IssueCallerToken(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    issued_[response.token()] = response.caller_token().caller_token_id();
    return response.token();
  }

  // Waits (at most 10 s) until every service refuses `token` as UNAUTHENTICATED.
  void WaitUntilRefusedEverywhere(const std::string& token) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    for (const Binary& binary : binaries_) {
      const MethodDescriptor& any = *binary.services[0]->method(0);
      while (Call(ChannelWith(binary.serving.address, token), any, kPortalA).error_code() !=
                 grpc::StatusCode::UNAUTHENTICATED &&
             absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(100));
      }
    }
  }

  // Row counts of every table of the four schemas.
  std::map<std::string, long> RowCounts() {
    pqxx::connection connection(database_->url());
    pqxx::work tx(connection);
    std::map<std::string, long> counts;
    for (const auto& row : tx.exec("SELECT schemaname, relname FROM pg_stat_user_tables")) {
      const std::string table = absl::StrCat(tx.quote_name(row[0].as<std::string>()), ".",
                                             tx.quote_name(row[1].as<std::string>()));
      counts[table] = tx.exec1("SELECT count(*) FROM " + table)[0].as<long>();
    }
    return counts;
  }

  // Everything the run left behind as text: every row of every table, every log line, every
  // /metrics.
  std::string EverythingLeftBehind() {
    std::string all;
    {
      pqxx::connection connection(database_->url());
      pqxx::work tx(connection);
      for (const auto& row : tx.exec("SELECT schemaname, relname FROM pg_stat_user_tables")) {
        const std::string table = absl::StrCat(tx.quote_name(row[0].as<std::string>()), ".",
                                               tx.quote_name(row[1].as<std::string>()));
        for (const auto& line : tx.exec("SELECT row_to_json(t)::text FROM " + table + " t")) {
          absl::StrAppend(&all, line[0].as<std::string>(), "\n");
        }
      }
    }
    for (Binary& binary : binaries_) {
      for (const std::string& line : binary.serving.process->StderrLines()) {
        absl::StrAppend(&all, line, "\n");
      }
    }
    return all;
  }

  std::unique_ptr<testing::TestDatabase> database_;
  std::unique_ptr<testing::ZohoSimProcess> sim_;
  std::vector<Binary> binaries_;
  std::unique_ptr<auth::v1::AuthService::Stub> auth_;
  std::map<std::string, std::string> issued_;  // secret → id
};

TEST_F(CallerAuthMatrixTest, EveryRpcRefusesIntrudersAndWeakCallersAndWritesNothing) {
  using auth::v1::CALLER_ROLE_ADMIN;
  using auth::v1::CALLER_ROLE_READER;
  using auth::v1::CALLER_ROLE_SERVICE;
  using auth::v1::CALLER_ROLE_WRITER;
  // A grant, so that secrets of every kind exist in this run.
  const std::string refresh_token = *sim_->SeedGrant("matrix-client", kClientSecret, "a@x.test");
  ASSERT_TRUE(testing::RegisterSimGrant(binaries_[0].serving.channel, *sim_,
                                        {kPortalA,
                                         common::v1::SIDE_CRM,
                                         "matrix-client",
                                         kClientSecret,
                                         refresh_token,
                                         {"ZohoCRM.modules.tasks.ALL"},
                                         "a@x.test"})
                  .ok());

  const std::string all_roles_of_a = Issue(
      "all-roles-of-a",
      {CALLER_ROLE_READER, CALLER_ROLE_WRITER, CALLER_ROLE_ADMIN, CALLER_ROLE_SERVICE}, {kPortalA});
  const std::string reader = Issue("reader", {CALLER_ROLE_READER}, {});
  // For each role an RPC needs, a token holding every role but it (and what it covers).
  const std::map<auth::v1::CallerRole, std::string> weaker = {
      {CALLER_ROLE_WRITER, reader},
      {CALLER_ROLE_ADMIN,
       Issue("all-but-admin", {CALLER_ROLE_READER, CALLER_ROLE_WRITER, CALLER_ROLE_SERVICE}, {})},
      {CALLER_ROLE_SERVICE,
       Issue("all-but-service", {CALLER_ROLE_READER, CALLER_ROLE_WRITER, CALLER_ROLE_ADMIN}, {})},
  };
  const std::string expired = Issue("expired", {CALLER_ROLE_ADMIN, CALLER_ROLE_SERVICE}, {},
                                    absl::Now() + absl::Seconds(1));
  const std::string revoked = Issue("revoked", {CALLER_ROLE_ADMIN, CALLER_ROLE_SERVICE}, {});
  // Used once, so that every service holds it as verified before it is revoked.
  for (const Binary& binary : binaries_) {
    Call(ChannelWith(binary.serving.address, revoked), *binary.services[0]->method(0), kPortalA);
  }
  {
    auth::v1::RevokeCallerTokenRequest request;
    request.set_caller_token_id(issued_[revoked]);
    auth::v1::RevokeCallerTokenResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(auth_->RevokeCallerToken(&context, request, &response).ok());
  }
  WaitUntilRefusedEverywhere(expired);
  WaitUntilRefusedEverywhere(revoked);

  const std::map<std::string, long> before = RowCounts();
  int methods = 0;
  for (const Binary& binary : binaries_) {
    const std::string& address = binary.serving.address;
    for (const auto* service : binary.services) {
      for (int i = 0; i < service->method_count(); ++i) {
        const MethodDescriptor& method = *service->method(i);
        ++methods;
        SCOPED_TRACE(method.full_name());
        const grpc::StatusCode unauthenticated = grpc::StatusCode::UNAUTHENTICATED;
        const grpc::StatusCode denied = grpc::StatusCode::PERMISSION_DENIED;
        EXPECT_EQ(Call(ChannelWith(address, ""), method, kPortalA).error_code(), unauthenticated);
        const grpc::Status garbage = Call(ChannelWith(address, kGarbageToken), method, kPortalA);
        EXPECT_EQ(garbage.error_code(), unauthenticated);
        EXPECT_EQ(garbage.error_message().find(kGarbageToken), std::string::npos);
        EXPECT_EQ(Call(ChannelWith(address, expired), method, kPortalA).error_code(),
                  unauthenticated);
        EXPECT_EQ(Call(ChannelWith(address, revoked), method, kPortalA).error_code(),
                  unauthenticated);
        EXPECT_EQ(Call(ChannelWith(address, all_roles_of_a), method, kPortalB).error_code(),
                  denied);
        const auto role = static_cast<auth::v1::CallerRole>(RoleOf(method));
        if (auto it = weaker.find(role); it != weaker.end()) {
          EXPECT_EQ(Call(ChannelWith(address, it->second), method, kPortalA).error_code(), denied);
        } else {
          // A READER's call gets past the gate (the empty request may still be invalid).
          const grpc::StatusCode code =
              Call(ChannelWith(address, reader), method, kPortalA).error_code();
          EXPECT_NE(code, unauthenticated);
          EXPECT_NE(code, denied);
        }
      }
    }
  }
  EXPECT_EQ(methods, 37);
  EXPECT_EQ(RowCounts(), before) << "a refused call wrote something";

  // No secret of this run in plain text anywhere it could leak to.
  std::string left = EverythingLeftBehind();
  for (const Binary& binary : binaries_) {
    httplib::Client metrics("127.0.0.1", MetricsPort(*binary.serving.process));
    auto scrape = metrics.Get("/metrics");
    ASSERT_TRUE(scrape && scrape->status == 200) << binary.name;
    absl::StrAppend(&left, scrape->body);
  }
  std::string access_token;
  {
    auth::v1::GetAccessTokenRequest request;
    request.set_portal_id(kPortalA);
    request.set_side(common::v1::SIDE_CRM);
    request.add_scopes("ZohoCRM.modules.tasks.ALL");
    auth::v1::GetAccessTokenResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(auth::v1::AuthService::NewStub(binaries_[0].serving.service_channel)
                    ->GetAccessToken(&context, request, &response)
                    .ok());
    access_token = response.access_token();
  }
  ASSERT_FALSE(access_token.empty());
  std::vector<std::string> secrets = {testing::kTestAdminToken, testing::kTestServiceToken,
                                      kClientSecret, refresh_token, access_token};
  for (const auto& [secret, id] : issued_) secrets.push_back(secret);
  for (const std::string& secret : secrets) {
    EXPECT_EQ(left.find(secret), std::string::npos) << "a secret was left in plain text";
  }
}

}  // namespace
}  // namespace crmsync

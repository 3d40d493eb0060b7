// The caller-authentication interceptor as a caller sees it, over a real loopback server whose
// handlers start with CRMSYNC_RETURN_IF_CALLER_REFUSED, called through CallerChannel.
#include "libs/grpc_server/caller_auth.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>

#include "absl/strings/str_cat.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "libs/grpc_client/caller_channel.h"

namespace crmsync {
namespace {

constexpr char kReaderToken[] = "reader-token-0123456789abcdef0123456789";
constexpr char kAdminOfAToken[] = "admin-of-a-0123456789abcdef0123456789ab";
constexpr char kWriterToken[] = "writer-token-0123456789abcdef012345678";

// The callers a test knows, by token; `down` makes every check UNAVAILABLE, as an auth outage.
class TableAuthenticator : public CallerAuthenticator {
 public:
  absl::StatusOr<Caller> Authenticate(absl::string_view token) override {
    ++checks;
    if (down) return absl::UnavailableError("auth is unreachable");
    auto it = callers.find(std::string(token));
    if (it == callers.end()) return absl::UnauthenticatedError("unknown");
    return it->second;
  }
  std::map<std::string, Caller> callers = {
      {kReaderToken, {"t1", "dashboard", {CallerRole::kReader}, {}}},
      {kAdminOfAToken, {"t2", "portal-a-admin", {CallerRole::kAdmin}, {"A"}}},
      {kWriterToken, {"t3", "task-writer", {CallerRole::kWriter}, {"A"}}},
  };
  std::atomic<bool> down{false};
  std::atomic<int> checks{0};
};

// Counts the handlers that ran past the gate, and records who called.
class Mapping : public mapping::v1::MappingService::Service {
 public:
  grpc::Status GetPortal(grpc::ServerContext* context, const mapping::v1::GetPortalRequest*,
                         mapping::v1::GetPortalResponse*) override {
    CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
    ++ran;
    last_caller = CallerName(context);
    return grpc::Status::OK;
  }
  grpc::Status UpsertPortal(grpc::ServerContext* context, const mapping::v1::UpsertPortalRequest*,
                            mapping::v1::UpsertPortalResponse*) override {
    CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
    ++ran;
    return grpc::Status::OK;
  }
  grpc::Status ListPortals(grpc::ServerContext* context, const mapping::v1::ListPortalsRequest*,
                           mapping::v1::ListPortalsResponse*) override {
    CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
    ++ran;
    return grpc::Status::OK;
  }
  std::atomic<int> ran{0};
  std::string last_caller;
};

class Sync : public sync::v1::SyncService::Service {
 public:
  grpc::Status BatchSubmitChanges(grpc::ServerContext* context,
                                  const sync::v1::BatchSubmitChangesRequest*,
                                  sync::v1::BatchSubmitChangesResponse*) override {
    CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
    ++ran;
    return grpc::Status::OK;
  }
  std::atomic<int> ran{0};
};

class CallerAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&mapping_);
    builder.RegisterService(&sync_);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    // ListPortals is left out of the table on purpose: a method without a role is closed.
    creators.push_back(MakeCallerAuthFactory(
        authenticator_,
        {{"/crmsync.mapping.v1.MappingService/GetPortal", CallerRole::kReader},
         {"/crmsync.mapping.v1.MappingService/UpsertPortal", CallerRole::kAdmin},
         {"/crmsync.sync.v1.SyncService/BatchSubmitChanges", CallerRole::kWriter}}));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { server_->Shutdown(); }

  std::shared_ptr<grpc::Channel> ChannelWith(const std::string& token) {
    ClientOptions options;
    options.caller_token = token;
    auto channel = CallerChannel(absl::StrCat("127.0.0.1:", port_), options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return *channel;
  }

  grpc::Status GetPortal(const std::string& token, const std::string& portal) {
    mapping::v1::GetPortalRequest request;
    request.set_portal_id(portal);
    mapping::v1::GetPortalResponse response;
    grpc::ClientContext context;
    return mapping::v1::MappingService::NewStub(ChannelWith(token))
        ->GetPortal(&context, request, &response);
  }

  grpc::Status UpsertPortal(const std::string& token, const std::string& portal) {
    mapping::v1::UpsertPortalRequest request;
    request.mutable_portal()->set_portal_id(portal);
    mapping::v1::UpsertPortalResponse response;
    grpc::ClientContext context;
    return mapping::v1::MappingService::NewStub(ChannelWith(token))
        ->UpsertPortal(&context, request, &response);
  }

  grpc::Status SubmitBatch(const std::string& token, const std::vector<std::string>& portals) {
    sync::v1::BatchSubmitChangesRequest request;
    for (const std::string& portal : portals) request.add_changes()->set_portal_id(portal);
    sync::v1::BatchSubmitChangesResponse response;
    grpc::ClientContext context;
    return sync::v1::SyncService::NewStub(ChannelWith(token))
        ->BatchSubmitChanges(&context, request, &response);
  }

  TableAuthenticator authenticator_;
  Mapping mapping_;
  Sync sync_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(CallerAuthTest, AKnownTokenWithTheRoleIsServedAndItsNameReachesTheHandler) {
  EXPECT_TRUE(GetPortal(kReaderToken, "P").ok());
  EXPECT_EQ(mapping_.ran, 1);
  EXPECT_EQ(mapping_.last_caller, "dashboard");
}

TEST_F(CallerAuthTest, NoTokenIsUnauthenticatedAndTheHandlerNeverRuns) {
  const grpc::Status status = GetPortal("", "P");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("authorization: Bearer"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(mapping_.ran, 0);
}

TEST_F(CallerAuthTest, AnUnknownTokenIsUnauthenticatedWithoutEchoingIt) {
  const std::string garbage = "not-a-token-but-a-secret-guess-123456";
  const grpc::Status status = GetPortal(garbage, "P");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message().find(garbage), std::string::npos);
  EXPECT_EQ(mapping_.ran, 0);
}

TEST_F(CallerAuthTest, AnAuthOutageIsUnavailableNeverOpen) {
  authenticator_.down = true;
  EXPECT_EQ(GetPortal(kReaderToken, "P").error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(mapping_.ran, 0);
}

TEST_F(CallerAuthTest, ATooWeakRoleIsPermissionDenied) {
  const grpc::Status status = UpsertPortal(kReaderToken, "P");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(status.error_message().find("ADMIN"), std::string::npos) << status.error_message();
  EXPECT_EQ(SubmitBatch(kReaderToken, {"A"}).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(mapping_.ran, 0);
  EXPECT_EQ(sync_.ran, 0);
}

TEST_F(CallerAuthTest, AMethodWithoutARoleIsClosed) {
  mapping::v1::ListPortalsResponse response;
  grpc::ClientContext context;
  const grpc::Status status = mapping::v1::MappingService::NewStub(ChannelWith(kAdminOfAToken))
                                  ->ListPortals(&context, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(mapping_.ran, 0);
}

TEST_F(CallerAuthTest, ATokenOfOnePortalActsOnlyOnIt) {
  EXPECT_TRUE(UpsertPortal(kAdminOfAToken, "A").ok());
  // The portal inside the request's message.
  EXPECT_EQ(UpsertPortal(kAdminOfAToken, "B").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // A request that names no portal could reach any.
  EXPECT_EQ(UpsertPortal(kAdminOfAToken, "").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(mapping_.ran, 1);
}

TEST_F(CallerAuthTest, EveryPortalOfABatchMustBeTheToken) {
  EXPECT_TRUE(SubmitBatch(kWriterToken, {"A", "A"}).ok());
  EXPECT_EQ(SubmitBatch(kWriterToken, {"A", "B"}).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(sync_.ran, 1);
}

TEST_F(CallerAuthTest, HealthNeedsNoToken) {
  auto stub = grpc::health::v1::Health::NewStub(ChannelWith(""));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::ClientContext context;
  EXPECT_TRUE(stub->Check(&context, request, &response).ok());
  EXPECT_EQ(authenticator_.checks, 0);
}

TEST(HasRoleTest, RolesCoverTheOnesBeforeThemAndServiceCoversWriting) {
  const Caller reader{"", "", {CallerRole::kReader}, {}};
  const Caller admin{"", "", {CallerRole::kAdmin}, {}};
  const Caller service{"", "", {CallerRole::kService}, {}};
  EXPECT_TRUE(HasRole(reader, CallerRole::kReader));
  EXPECT_FALSE(HasRole(reader, CallerRole::kWriter));
  EXPECT_TRUE(HasRole(admin, CallerRole::kWriter));
  EXPECT_FALSE(HasRole(admin, CallerRole::kService));
  EXPECT_TRUE(HasRole(service, CallerRole::kWriter));
  EXPECT_FALSE(HasRole(service, CallerRole::kAdmin));
}

TEST(CachingAuthenticatorTest, AcceptancesAreKeptForTheTtlAndRefusalsNever) {
  TableAuthenticator inner;
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  CachingAuthenticator cache(inner, clock, absl::Seconds(60));
  ASSERT_TRUE(cache.Authenticate(kReaderToken).ok());
  ASSERT_TRUE(cache.Authenticate(kReaderToken).ok());
  EXPECT_EQ(inner.checks, 1);
  // Revoked at auth: still served from memory within the minute, refused after it.
  inner.callers.erase(kReaderToken);
  clock.Advance(absl::Seconds(59));
  EXPECT_TRUE(cache.Authenticate(kReaderToken).ok());
  clock.Advance(absl::Seconds(2));
  EXPECT_TRUE(absl::IsUnauthenticated(cache.Authenticate(kReaderToken).status()));
  // A token refused a moment ago is accepted as soon as auth knows it.
  EXPECT_FALSE(cache.Authenticate("fresh-token").ok());
  inner.callers["fresh-token"] = Caller{"t9", "fresh", {CallerRole::kReader}, {}};
  EXPECT_TRUE(cache.Authenticate("fresh-token").ok());
}

TEST(CachingAuthenticatorTest, NoTtlLongerThanAMinute) {
  TableAuthenticator inner;
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  CachingAuthenticator cache(inner, clock, absl::Minutes(10));
  ASSERT_TRUE(cache.Authenticate(kReaderToken).ok());
  inner.callers.erase(kReaderToken);
  clock.Advance(absl::Seconds(61));
  EXPECT_FALSE(cache.Authenticate(kReaderToken).ok());
}

}  // namespace
}  // namespace crmsync

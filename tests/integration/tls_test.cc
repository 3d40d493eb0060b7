// The four service binaries with mutual TLS between them, as the prod overlay runs them: each
// gRPC server serves a certificate of a private CA made by openssl and asks its callers for one of
// the same CA; each service calls the others over TLS, presenting its own. A call with a caller
// token then works end to end: mapping, sync and notify each have auth verify the token over
// TLS, with their own service token. A plaintext client, and a TLS client without a client
// certificate, are refused. crmsync-health-probe, which the prod overlay's probes run in the pod,
// gets its answer over TLS with the pod's CRMSYNC_TLS_* variables.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "libs/grpc_client/caller_channel.h"
#include "tests/support/callers/callers.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"
#include "tests/support/tls/test_certificates.h"

namespace crmsync {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

constexpr absl::Duration kStartTimeout = absl::Seconds(20);

struct Service {
  std::unique_ptr<testing::Subprocess> process;
  std::string address;
};

// Whether the server at `channel` answers SERVING within `timeout`, asking again until then.
bool ServingWithin(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    context.set_wait_for_ready(true);
    HealthCheckResponse response;
    if (stub->Check(&context, HealthCheckRequest(), &response).ok() &&
        response.status() == HealthCheckResponse::SERVING) {
      return true;
    }
  }
  return false;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SetCallerEnvironment();
    auto database = testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    const std::string dir = ::testing::TempDir();
    auto ca = testing::MakeTestCa(dir, "services");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
    auto peer = testing::MakePeerCertificate(ca_, dir, "services");
    ASSERT_TRUE(peer.ok()) << peer.status();
    peer_ = *peer;
  }

  // Starts crmsync-`name`, with `env` added to its environment, serving mutual TLS and calling
  // the others over TLS; waits for its port.
  Service Start(const std::string& name, std::vector<std::string> args,
                const std::vector<std::string>& env = {}) {
    args.insert(args.end(),
                {"--database_url=" + database_->url(), "--grpc_port=0", "--metrics_port=0",
                 "--listen_host=127.0.0.1", "--health_check_interval=200ms",
                 "--tls_cert_file=" + peer_.cert, "--tls_key_file=" + peer_.key,
                 "--tls_client_ca_file=" + ca_.cert, "--tls_ca_file=" + ca_.cert});
    Service service;
    auto process =
        testing::Subprocess::Start(absl::StrCat(CRMSYNC_BIN_DIR, "/crmsync-", name), args, env);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return service;
    service.process = *std::move(process);
    auto line = service.process->WaitForLine(
        [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; }, kStartTimeout);
    EXPECT_TRUE(line.ok()) << name << ": " << line.status();
    if (line.ok()) service.address = absl::StrCat("127.0.0.1:", (*line)["grpc_port"].get<int>());
    return service;
  }

  // A channel over mutual TLS to `address` whose calls carry the test admin token.
  std::shared_ptr<grpc::Channel> AdminTlsChannel(const std::string& address) {
    ClientOptions options{.caller_token = testing::kTestAdminToken,
                          .tls_ca_file = ca_.cert,
                          .tls_cert_file = peer_.cert,
                          .tls_key_file = peer_.key};
    auto channel = CallerChannel(address, options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return channel.ok() ? *channel : nullptr;
  }

  std::unique_ptr<testing::TestDatabase> database_;
  testing::CertificateFiles ca_;
  testing::CertificateFiles peer_;
};

TEST_F(TlsTest, CallsWithACallerTokenWorkOverMutualTlsAndPlaintextIsRefused) {
  // A key of 32 zero bytes: nothing secret is stored here.
  Service auth = Start("auth", {}, {"CRMSYNC_ENCRYPTION_KEYS=test:" + std::string(43, 'A') + "="});
  ASSERT_FALSE(auth.address.empty());
  const std::string auth_flag = "--auth_address=" + auth.address;
  Service mapping = Start("mapping", {auth_flag});
  Service notify = Start("notify", {auth_flag, "--mail_transport=file",
                                    "--mail_dir=" + ::testing::TempDir() + "/mail"});
  ASSERT_FALSE(mapping.address.empty());
  ASSERT_FALSE(notify.address.empty());
  Service sync = Start("sync", {auth_flag, "--mapping_address=" + mapping.address,
                                "--notify_address=" + notify.address, "--delivery_workers=0",
                                "--reconcile_interval=0"});
  ASSERT_FALSE(sync.address.empty());
  for (const Service* service : {&auth, &mapping, &notify, &sync}) {
    EXPECT_TRUE(ServingWithin(AdminTlsChannel(service->address), kStartTimeout))
        << service->address << " is not SERVING over TLS";
  }

  // One RPC on each, the admin token verified by auth itself, or by mapping, notify and sync
  // through their TLS channel to auth with their own service token.
  {
    grpc::ClientContext context;
    auth::v1::ListCallerTokensResponse response;
    const grpc::Status status = auth::v1::AuthService::NewStub(AdminTlsChannel(auth.address))
                                    ->ListCallerTokens(&context, {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    EXPECT_GE(response.caller_tokens_size(), 2);  // the bootstrap admin and service tokens
  }
  {
    grpc::ClientContext context;
    mapping::v1::ListPortalsResponse response;
    const grpc::Status status =
        mapping::v1::MappingService::NewStub(AdminTlsChannel(mapping.address))
            ->ListPortals(&context, {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  }
  {
    grpc::ClientContext context;
    notify::v1::ListNotificationsResponse response;
    const grpc::Status status = notify::v1::NotifyService::NewStub(AdminTlsChannel(notify.address))
                                    ->ListNotifications(&context, {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  }
  {
    grpc::ClientContext context;
    sync::v1::ListFailuresRequest request;
    request.set_portal_id("1001");
    sync::v1::ListFailuresResponse response;
    const grpc::Status status = sync::v1::SyncService::NewStub(AdminTlsChannel(sync.address))
                                    ->ListFailures(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  }

  // The prod overlay's probe: the container's environment, liveness asked over mutual TLS.
  auto probe = testing::Subprocess::Start(
      absl::StrCat(CRMSYNC_BIN_DIR, "/crmsync-health-probe"),
      {"--address=" + sync.address, "--service=liveness"},
      {"CRMSYNC_TLS_CA_FILE=" + ca_.cert, "CRMSYNC_TLS_CERT_FILE=" + peer_.cert,
       "CRMSYNC_TLS_KEY_FILE=" + peer_.key});
  ASSERT_TRUE(probe.ok()) << probe.status();
  auto probed = (*probe)->Wait(absl::Seconds(10));
  ASSERT_TRUE(probed.ok()) << probed.status();
  EXPECT_EQ(*probed, 0) << absl::StrJoin((*probe)->StderrLines(), "\n");

  // Without TLS, or over TLS without a client certificate, no call gets through: not even the
  // health service, which needs no caller token.
  ClientOptions no_client_certificate;
  no_client_certificate.caller_token = testing::kTestAdminToken;
  no_client_certificate.tls_ca_file = ca_.cert;
  for (const Service* service : {&auth, &mapping, &notify, &sync}) {
    SCOPED_TRACE(service->address);
    auto one_way_tls = CallerChannel(service->address, no_client_certificate);
    ASSERT_TRUE(one_way_tls.ok()) << one_way_tls.status();
    for (const auto& channel : {testing::AdminChannel(service->address), *one_way_tls}) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
      HealthCheckResponse response;
      const grpc::Status status =
          grpc::health::v1::Health::NewStub(channel)->Check(&context, {}, &response);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
    }
  }
}

}  // namespace
}  // namespace crmsync

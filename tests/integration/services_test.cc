// The four service binaries, as an operator and an outside gRPC client see them: each starts on
// free ports, reports SERVING through grpc.health.v1 once its schema is migrated, lists its
// methods through server reflection, serves /metrics that Prometheus accepts, drains on SIGTERM
// with exit 0 within its bound, re-applies nothing on a second start, and survives a database
// that is down: out of service (readiness) but alive (liveness).
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/libs/grpc_server/health_probe.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"
#include "tests/support/services/crmsync_services.h"

namespace crmsync {
namespace {

using ::crmsync::testing::Health;
using ::crmsync::testing::WaitForHealth;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::grpc::reflection::v1alpha::ServerReflection;
using ::grpc::reflection::v1alpha::ServerReflectionRequest;
using ::grpc::reflection::v1alpha::ServerReflectionResponse;

constexpr char kLiveness[] = "liveness";  // the name the deploy manifests probe
// Shorter than gRPC takes to let go of an idle client connection on its own, so that a drain
// that waited for one would overrun it and exit 1.
constexpr absl::Duration kDrainTimeout = absl::Seconds(1);

struct ServiceUnderTest {
  std::string name;        // binary crmsync-<name>, schema <name>
  std::string full_name;   // gRPC service
  std::string one_method;  // a method reflection must list
};

const ServiceUnderTest kServices[] = {
    {"auth", "crmsync.auth.v1.AuthService", "GetAccessToken"},
    {"mapping", "crmsync.mapping.v1.MappingService", "ListAccountCandidates"},
    {"sync", "crmsync.sync.v1.SyncService", "SubmitChange"},
    {"notify", "crmsync.notify.v1.NotifyService", "NotifyFailure"},
};

std::string Binary(const std::string& name) {
  return absl::StrCat(CRMSYNC_BIN_DIR, "/crmsync-", name);
}

struct Running {
  std::unique_ptr<testing::Subprocess> process;
  int grpc_port = 0;
  int metrics_port = 0;
};

// Starts crmsync-`name`; mapping, sync and notify judge their callers by the auth at
// `auth_address`.
absl::StatusOr<Running> StartService(const std::string& name, const std::string& database_url,
                                     const std::string& auth_address) {
  Running running;
  std::vector<std::string> args = {
      "--database_url=" + database_url,
      "--grpc_port=0",
      "--metrics_port=0",
      "--listen_host=127.0.0.1",
      "--health_check_interval=200ms",
      absl::StrCat("--drain_timeout=", absl::FormatDuration(kDrainTimeout))};
  if (name != "auth") args.push_back("--auth_address=" + auth_address);
  auto process = testing::Subprocess::Start(Binary(name), args);
  if (!process.ok()) return process.status();
  running.process = *std::move(process);
  auto listening = running.process->WaitForLine(
      [](const nlohmann::json& line) { return line.value("msg", "") == "listening"; },
      absl::Seconds(20));
  if (!listening.ok()) return listening.status();
  running.grpc_port = (*listening)["grpc_port"].get<int>();
  running.metrics_port = (*listening)["metrics_port"].get<int>();
  return running;
}

// One request/response exchange on the reflection stream.
ServerReflectionResponse Reflect(int port, const ServerReflectionRequest& request) {
  auto stub = ServerReflection::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  ServerReflectionResponse response;
  stream->Write(request);
  stream->WritesDone();
  stream->Read(&response);
  stream->Finish();
  return response;
}

// Runs promtool, Prometheus's own checker, over a scrape; returns its exit code.
int PromtoolCheck(const std::string& exposition) {
  const std::string path = ::testing::TempDir() + "/scrape.prom";
  std::ofstream(path) << exposition;
  return std::system(absl::StrCat("promtool check metrics < ", path, " >&2").c_str());
}

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    auth_ = testing::StartAuth(database_->url());
    ASSERT_NE(auth_.channel, nullptr);
  }

  int AppliedMigrations(const std::string& schema) {
    pqxx::connection connection(database_->url());
    pqxx::work tx(connection);
    return tx
        .exec1(
            absl::StrCat("SELECT count(*) FROM ", tx.quote_name(schema), ".schema_migrations"))[0]
        .as<int>();
  }

  // Lets clients connect to the test database again, or drops every connection to it and
  // refuses new ones, as a database that went down would.
  void SetConnectionsAllowed(bool allowed) {
    pqxx::connection connection("dbname=postgres");
    pqxx::nontransaction tx(connection);
    const std::string name = tx.quote_name(database_->name());
    tx.exec0(absl::StrCat("ALTER DATABASE ", name, " WITH ALLOW_CONNECTIONS ",
                          allowed ? "true" : "false"));
    if (!allowed) {
      tx.exec_params("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                     database_->name());
    }
  }

  std::unique_ptr<testing::TestDatabase> database_;
  testing::ServingBinary auth_;
};

TEST_F(ServicesTest, EachServiceServesHealthReflectionAndMetricsAndDrainsOnSigterm) {
  for (const auto& service : kServices) {
    SCOPED_TRACE(service.name);
    auto running = StartService(service.name, database_->url(), auth_.address);
    ASSERT_TRUE(running.ok()) << running.status();
    EXPECT_TRUE(
        WaitForHealth(running->grpc_port, "", HealthCheckResponse::SERVING, absl::Seconds(20)));
    EXPECT_EQ(Health(running->grpc_port, service.full_name), HealthCheckResponse::SERVING);
    EXPECT_EQ(Health(running->grpc_port, kLiveness), HealthCheckResponse::SERVING);

    ServerReflectionRequest list;
    list.set_list_services("");
    std::vector<std::string> listed;
    const ServerReflectionResponse services = Reflect(running->grpc_port, list);
    for (const auto& s : services.list_services_response().service()) {
      listed.push_back(s.name());
    }
    EXPECT_THAT(listed, ::testing::Contains(service.full_name));
    EXPECT_THAT(listed, ::testing::Contains("grpc.health.v1.Health"));

    ServerReflectionRequest symbol;
    symbol.set_file_containing_symbol(service.full_name);
    std::vector<std::string> methods;
    const ServerReflectionResponse files = Reflect(running->grpc_port, symbol);
    for (const auto& bytes : files.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      ASSERT_TRUE(file.ParseFromString(bytes));
      for (const auto& s : file.service()) {
        if (absl::StrCat(file.package(), ".", s.name()) != service.full_name) continue;
        for (const auto& method : s.method()) methods.push_back(method.name());
      }
    }
    EXPECT_THAT(methods, ::testing::Contains(service.one_method));

    httplib::Client metrics("127.0.0.1", running->metrics_port);
    auto scrape = metrics.Get("/metrics");
    ASSERT_TRUE(scrape) << "no answer from /metrics";
    EXPECT_EQ(scrape->status, 200);
    EXPECT_EQ(PromtoolCheck(scrape->body), 0) << scrape->body;
    EXPECT_THAT(scrape->body, ::testing::HasSubstr(absl::StrCat("crmsync_build_info{service=\"",
                                                                service.name, "\"")));
    EXPECT_THAT(scrape->body,
                ::testing::HasSubstr("crmsync_grpc_server_handled_total{grpc_code=\"OK\","
                                     "grpc_method=\"/grpc.health.v1.Health/Check\"}"));
    EXPECT_THAT(scrape->body, ::testing::HasSubstr("process_resident_memory_bytes "));

    // A client that stays connected must not hold up the drain: the process is gone, with exit
    // code 0, within the bound every pod is promised (drain timeout + 2 s).
    auto idle_client = grpc::CreateChannel(absl::StrCat("127.0.0.1:", running->grpc_port),
                                           grpc::InsecureChannelCredentials());
    ASSERT_TRUE(
        idle_client->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5)));
    auto exit_code = running->process->Terminate(kDrainTimeout + absl::Seconds(2));
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(*exit_code, 0);
  }
}

TEST_F(ServicesTest, ASecondStartAppliesNothing) {
  for (int start = 0; start < 2; ++start) {
    auto running = StartService("sync", database_->url(), auth_.address);
    ASSERT_TRUE(running.ok()) << running.status();
    auto migrated = running->process->WaitForLine(
        [](const nlohmann::json& line) { return line.value("msg", "") == "schema migrated"; },
        absl::Seconds(20));
    ASSERT_TRUE(migrated.ok()) << migrated.status();
    if (start == 0) {
      EXPECT_GT((*migrated)["applied"].get<int>(), 0);
    } else {
      EXPECT_EQ((*migrated)["applied"].get<int>(), 0);
      EXPECT_GT((*migrated)["already_applied"].get<int>(), 0);
    }
    ASSERT_EQ(*running->process->Terminate(absl::Seconds(15)), 0);
  }
}

TEST_F(ServicesTest, TwoProcessesMigratingAtOnceBothSucceed) {
  std::vector<std::unique_ptr<testing::Subprocess>> migrators;
  for (int i = 0; i < 2; ++i) {
    auto process = testing::Subprocess::Start(
        Binary("notify"), {"--database_url=" + database_->url(), "--migrate_only"});
    ASSERT_TRUE(process.ok()) << process.status();
    migrators.push_back(*std::move(process));
  }
  for (auto& migrator : migrators) {
    auto exit_code = migrator->Wait(absl::Seconds(30));
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(*exit_code, 0);
  }
  // Each migration file is recorded exactly once.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           absl::StrCat(CRMSYNC_SOURCE_DIR, "/services/notify/migrations"))) {
    files += entry.path().extension() == ".sql";
  }
  EXPECT_EQ(AppliedMigrations("notify"), files);
}

TEST_F(ServicesTest, ADatabaseOutageMakesAServiceUnreadyButNotDead) {
  auto running = StartService("mapping", database_->url(), auth_.address);
  ASSERT_TRUE(running.ok()) << running.status();
  const int port = running->grpc_port;
  ASSERT_TRUE(WaitForHealth(port, "", HealthCheckResponse::SERVING, absl::Seconds(20)));
  ASSERT_EQ(Health(port, kLiveness), HealthCheckResponse::SERVING);

  // The database goes away for this service: its connections are dropped and new ones refused.
  SetConnectionsAllowed(false);
  EXPECT_TRUE(WaitForHealth(port, "", HealthCheckResponse::NOT_SERVING, absl::Seconds(20)));
  EXPECT_EQ(Health(port, "crmsync.mapping.v1.MappingService"), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health(port, kLiveness), HealthCheckResponse::SERVING);

  SetConnectionsAllowed(true);
  EXPECT_TRUE(WaitForHealth(port, "", HealthCheckResponse::SERVING, absl::Seconds(20)));
  EXPECT_EQ(Health(port, kLiveness), HealthCheckResponse::SERVING);
  auto exit_code = running->process->Terminate(kDrainTimeout + absl::Seconds(2));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

TEST(ServicesWithoutDatabase, KeepRetryingAndSayNotServing) {
  // Only health is called, so the auth at --auth_address is never asked and need not run.
  auto running = StartService("mapping", "postgresql://crmsync@127.0.0.1:1/crmsync", "127.0.0.1:1");
  ASSERT_TRUE(running.ok()) << running.status();
  auto retrying = running->process->WaitForLine(
      [](const nlohmann::json& line) {
        return line.value("msg", "") == "database not ready; retrying";
      },
      absl::Seconds(10));
  ASSERT_TRUE(retrying.ok()) << retrying.status();
  EXPECT_EQ(Health(running->grpc_port, ""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health(running->grpc_port, kLiveness), HealthCheckResponse::SERVING);
  // Still so after another failed attempt.
  auto retrying_again = running->process->WaitForLine(
      [](const nlohmann::json& line) {
        return line.value("msg", "") == "database not ready; retrying" &&
               line.value("attempt", 0) >= 2;
      },
      absl::Seconds(10));
  ASSERT_TRUE(retrying_again.ok()) << retrying_again.status();
  EXPECT_EQ(Health(running->grpc_port, "crmsync.mapping.v1.MappingService"),
            HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health(running->grpc_port, kLiveness), HealthCheckResponse::SERVING);
  auto exit_code = running->process->Terminate(absl::Seconds(10));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

TEST(ServicesFlags, BadFlagsExitTwoWithOneLine) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--database_url=postgresql://x@h:notaport/db"},
        std::vector<std::string>{"--database_url=dbname=x", "--grpc_port=ninety"},
        std::vector<std::string>{"--nosuchflag"}, std::vector<std::string>{}}) {
    auto process = testing::Subprocess::Start(Binary("auth"), args);
    ASSERT_TRUE(process.ok()) << process.status();
    auto exit_code = (*process)->Wait(absl::Seconds(10));
    ASSERT_TRUE(exit_code.ok()) << exit_code.status();
    EXPECT_EQ(*exit_code, 2) << args.empty();
    // The exit can be seen before stderr is read to its end; no line matches, so this returns
    // once stderr has closed.
    const absl::Status closed =
        (*process)
            ->WaitForLine([](const nlohmann::json&) { return false; }, absl::Seconds(10))
            .status();
    ASSERT_TRUE(absl::IsUnavailable(closed)) << closed;
    const auto lines = (*process)->StderrLines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_THAT(lines[0], ::testing::StartsWith("crmsync-auth: "));
  }
}

}  // namespace
}  // namespace crmsync

// The runtime as an operator and its clients see it, on runtime_test_server (a service whose
// calls the test holds and releases): the drain on SIGTERM, calls and background tasks that
// outlast it, server-side failures in the log, and readiness behind a startup step.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/libs/grpc_server/health_probe.h"
#include "tests/support/callers/callers.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"

namespace crmsync {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

// A release file name with this prefix makes the test server ignore the call's cancellation.
constexpr char kIgnoreCancellation[] = "ignore-cancellation:";

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = testing::TestDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    release_file_ = absl::StrCat(::testing::TempDir(), "/release-",
                                 ::testing::UnitTest::GetInstance()->random_seed(), "-",
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove(release_file_);
  }

  // Starts the test server and, when `ready`, waits until it is ready.
  void StartServer(absl::Duration drain_timeout, std::vector<std::string> extra_args = {},
                   bool ready = true) {
    std::vector<std::string> args = {
        "--database_url=" + database_->url(),
        "--grpc_port=0",
        "--metrics_port=0",
        "--listen_host=127.0.0.1",
        "--health_check_interval=200ms",
        absl::StrCat("--drain_timeout=", absl::FormatDuration(drain_timeout))};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    auto process = testing::Subprocess::Start(RUNTIME_TEST_SERVER, args);
    ASSERT_TRUE(process.ok()) << process.status();
    server_ = *std::move(process);
    auto listening = server_->WaitForLine(
        [](const nlohmann::json& line) { return line.value("msg", "") == "listening"; },
        absl::Seconds(20));
    ASSERT_TRUE(listening.ok()) << listening.status();
    port_ = (*listening)["grpc_port"].get<int>();
    if (!ready) return;
    ASSERT_TRUE(testing::WaitForHealth(port_, "", HealthCheckResponse::SERVING, absl::Seconds(20)));
  }

  std::shared_ptr<grpc::Channel> NewChannel() {
    return testing::AdminChannel(absl::StrCat("127.0.0.1:", port_));
  }

  // Starts GetPortal, which the server holds until `release_file` exists (by default
  // release_file_); returns once the server has logged that it holds it.
  std::future<grpc::Status> HoldCall(std::shared_ptr<grpc::Channel> channel,
                                     std::string release_file = "") {
    if (release_file.empty()) release_file = release_file_;
    auto result = std::async(std::launch::async, [channel, release_file] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      mapping::v1::GetPortalRequest request;
      request.set_portal_id(release_file);
      mapping::v1::GetPortalResponse response;
      return mapping::v1::MappingService::NewStub(channel)->GetPortal(&context, request, &response);
    });
    auto held = server_->WaitForLine(
        [&](const nlohmann::json& line) {
          return line.value("msg", "") == "call held" &&
                 line.value("release_file", "") == release_file;
        },
        absl::Seconds(10));
    EXPECT_TRUE(held.ok()) << held.status();
    return result;
  }

  grpc::Status ListPortals(std::shared_ptr<grpc::Channel> channel) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    mapping::v1::ListPortalsResponse response;
    return mapping::v1::MappingService::NewStub(channel)->ListPortals(
        &context, mapping::v1::ListPortalsRequest(), &response);
  }

  std::unique_ptr<testing::TestDatabase> database_;
  std::string release_file_;
  std::unique_ptr<testing::Subprocess> server_;
  int port_ = 0;
};

TEST_F(RuntimeTest, SigtermTurnsHealthAndTasksAtOnceRefusesNewCallsAndLetsCallsInFlightFinish) {
  const absl::Duration drain_timeout = absl::Seconds(20);
  StartServer(drain_timeout);
  // A watcher (as a load balancer keeps) learns the change without asking again.
  auto health = grpc::health::v1::Health::NewStub(NewChannel());
  grpc::ClientContext watch_context;
  grpc::health::v1::HealthCheckRequest watch_request;
  auto watch = health->Watch(&watch_context, watch_request);
  HealthCheckResponse seen;
  ASSERT_TRUE(watch->Read(&seen));
  ASSERT_EQ(seen.status(), HealthCheckResponse::SERVING);
  auto calls_channel = NewChannel();
  std::future<grpc::Status> held = HoldCall(calls_channel);

  const absl::Time sigterm = absl::Now();
  ASSERT_EQ(kill(server_->pid(), SIGTERM), 0);
  ASSERT_TRUE(watch->Read(&seen));
  EXPECT_EQ(seen.status(), HealthCheckResponse::NOT_SERVING);
  watch_context.TryCancel();
  watch->Finish().IgnoreError();
  // Background tasks are told while the held call still runs, not after it.
  auto task_stopped = server_->WaitForLine(
      [](const nlohmann::json& line) { return line.value("msg", "") == "task stopped"; },
      absl::Seconds(10));
  EXPECT_TRUE(task_stopped.ok()) << task_stopped.status();
  // A connection open before the signal is told to go away (a call racing that message may be
  // cancelled by gRPC); from then on new calls are refused, on it and on a new one alike.
  while (calls_channel->GetState(false) == GRPC_CHANNEL_READY) {
    ASSERT_TRUE(calls_channel->WaitForStateChange(
        GRPC_CHANNEL_READY, std::chrono::system_clock::now() + std::chrono::seconds(10)));
  }
  EXPECT_EQ(ListPortals(calls_channel).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ListPortals(NewChannel()).error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_EQ(held.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the held call ended before it was released: " << held.get().error_message();

  std::ofstream(release_file_) << "go";
  const grpc::Status held_status = held.get();
  EXPECT_TRUE(held_status.ok()) << held_status.error_message();
  // The contract: the process is gone within drain_timeout + 2 s of the signal.
  auto exit_code = server_->Wait(sigterm + drain_timeout + absl::Seconds(2) - absl::Now());
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

TEST_F(RuntimeTest, CallsAndTasksThatOutlastTheDrainAreCutOffAndNamed) {
  const absl::Duration drain_timeout = absl::Seconds(1);
  StartServer(drain_timeout, {"--stuck_task"});
  std::future<grpc::Status> held = HoldCall(NewChannel());
  // A handler that ignores its cancellation, as one blocked in a call without a deadline would.
  std::future<grpc::Status> stubborn =
      HoldCall(NewChannel(), absl::StrCat(kIgnoreCancellation, release_file_, "-stubborn"));

  const absl::Time sigterm = absl::Now();
  ASSERT_EQ(kill(server_->pid(), SIGTERM), 0);
  auto exit_code = server_->Wait(sigterm + drain_timeout + absl::Seconds(2) - absl::Now());
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 1);
  EXPECT_FALSE(held.get().ok());
  auto cancelled = server_->WaitForLine(
      [](const nlohmann::json& line) {
        return line.value("msg", "") == "drain timeout: cancelling calls in flight" &&
               line.value("calls_in_flight", 0) == 2;
      },
      absl::Seconds(1));
  EXPECT_TRUE(cancelled.ok()) << cancelled.status();
  auto named = server_->WaitForLine(
      [](const nlohmann::json& line) {
        return line.value("msg", "") == "background task still running after the drain timeout" &&
               line.value("task", "") == "stuck";
      },
      absl::Seconds(1));
  EXPECT_TRUE(named.ok()) << named.status();
  auto calls_named = server_->WaitForLine(
      [](const nlohmann::json& line) {
        return line.value("msg", "") == "calls still running after the drain timeout" &&
               line.value("calls_in_flight", 0) == 1;
      },
      absl::Seconds(1));
  EXPECT_TRUE(calls_named.ok()) << calls_named.status();
  EXPECT_FALSE(stubborn.get().ok());
}

TEST_F(RuntimeTest, InternalAndUnknownStatusesAreLoggedOnceWithTheirMethod) {
  StartServer(absl::Seconds(5));
  auto channel = NewChannel();
  const grpc::Status internal = ListPortals(channel);
  ASSERT_EQ(internal.error_code(), grpc::StatusCode::INTERNAL);
  {
    grpc::ClientContext context;
    mapping::v1::UpsertPortalResponse response;
    ASSERT_EQ(mapping::v1::MappingService::NewStub(channel)
                  ->UpsertPortal(&context, mapping::v1::UpsertPortalRequest(), &response)
                  .error_code(),
              grpc::StatusCode::UNKNOWN);
  }
  std::ofstream(release_file_) << "go";
  HoldCall(channel).get();  // OK: not logged
  ASSERT_EQ(*server_->Terminate(absl::Seconds(7)), 0);
  // The exit can be seen before the last lines are read: wait for the last one.
  auto stopped = server_->WaitForLine(
      [](const nlohmann::json& line) { return line.value("msg", "") == "stopped"; },
      absl::Seconds(10));
  ASSERT_TRUE(stopped.ok()) << stopped.status();

  std::vector<nlohmann::json> failures;
  for (const std::string& line : server_->StderrLines()) {
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_object() && json.value("msg", "") == "call failed") failures.push_back(json);
  }
  ASSERT_EQ(failures.size(), 2u) << ::testing::PrintToString(server_->StderrLines());
  EXPECT_EQ(failures[0]["level"], "error");
  EXPECT_EQ(failures[0]["grpc_method"], "/crmsync.mapping.v1.MappingService/ListPortals");
  EXPECT_EQ(failures[0]["grpc_code"], "INTERNAL");
  EXPECT_EQ(failures[0]["error"], "portal table unreadable");
  EXPECT_EQ(failures[1]["level"], "error");
  EXPECT_EQ(failures[1]["grpc_method"], "/crmsync.mapping.v1.MappingService/UpsertPortal");
  EXPECT_EQ(failures[1]["grpc_code"], "UNKNOWN");
  EXPECT_THAT(failures[1]["error"].get<std::string>(), HasSubstr("unexpected reply"));
}

TEST_F(RuntimeTest, RequestsOverFourMebibytesAreRefusedAndSmallerOnesServed) {
  StartServer(absl::Seconds(5));
  auto channel = NewChannel();
  auto get_project = [&](size_t bytes) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    mapping::v1::GetProjectRequest request;
    request.set_portal_id("p1");
    request.set_project_id(std::string(bytes, 'x'));
    mapping::v1::GetProjectResponse response;
    return mapping::v1::MappingService::NewStub(channel)->GetProject(&context, request, &response);
  };
  const grpc::Status big = get_project(5 << 20);
  EXPECT_EQ(big.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << big.error_message();
  EXPECT_TRUE(get_project(100).ok());
  const grpc::Status near_limit = get_project((4 << 20) - 64);
  EXPECT_TRUE(near_limit.ok()) << near_limit.error_message();
}

TEST_F(RuntimeTest, AFailingStartupStepIsRetriedAndTheServiceIsReadyOnlyOnceItSucceeds) {
  StartServer(absl::Seconds(5), {"--startup_file=" + release_file_}, /*ready=*/false);
  auto retried = server_->WaitForLine(
      [](const nlohmann::json& line) {
        return line.value("msg", "") == "startup file failed; retrying" &&
               line.value("attempt", 0) == 2;
      },
      absl::Seconds(20));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(testing::Health(port_, ""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(testing::Health(port_, "crmsync.mapping.v1.MappingService"),
            HealthCheckResponse::NOT_SERVING);
  for (const std::string& line : server_->StderrLines()) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr("background task started"))) << line;
  }

  std::ofstream(release_file_).close();
  EXPECT_TRUE(testing::WaitForHealth(port_, "", HealthCheckResponse::SERVING, absl::Seconds(20)));
  EXPECT_TRUE(server_
                  ->WaitForLine(
                      [](const nlohmann::json& line) {
                        return line.value("msg", "") == "background task started";
                      },
                      absl::Seconds(5))
                  .ok());
  std::filesystem::remove(release_file_);
}

}  // namespace
}  // namespace crmsync

// Benchmark of crmsync-auth's hot path: GetAccessToken on a warm grant at concurrency 1, 8 and
// 32, each beside the same server's grpc.health.v1 Check in the same run, printed as requests
// per second, p50 and p99 latency and the token/health rate ratio; then the server's resident
// memory. Starts zoho-sim and crmsync-auth itself on a fresh database of the PG* server.
// Only successful calls count towards rates and latencies; failed calls are counted apart and
// printed with their first error, and any failure makes the exit status 1.
//
//   pg_virtualenv -t -v 15 build/bin/bench_auth_get_access_token [seconds_per_run]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "libs/crypto/aead.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace {

namespace v1 = crmsync::auth::v1;

struct Figures {
  double requests_per_second = 0;
  absl::Duration p50, p99;
  int failures = 0;
};

// One call's outcome: empty when it succeeded, else what went wrong.
using Call = std::function<std::string()>;

struct Samples {
  std::vector<absl::Duration> latencies;  // of successful calls only
  absl::Duration elapsed;
  int failures = 0;
  std::string first_failure;
};

// Runs `call` from `concurrency` threads for `duration`, adding to `samples`.
void Run(int concurrency, absl::Duration duration, const Call& call, Samples& samples) {
  std::vector<std::vector<absl::Duration>> latencies(concurrency);
  std::atomic<int> failures{0};
  std::mutex first_failure_mutex;
  std::string first_failure;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      while (!stop.load(std::memory_order_relaxed)) {
        const absl::Time before = absl::Now();
        const std::string failure = call();
        if (failure.empty()) {
          latencies[t].push_back(absl::Now() - before);
          continue;
        }
        if (failures++ == 0) {
          std::lock_guard lock(first_failure_mutex);
          first_failure = failure;
        }
      }
    });
  }
  absl::SleepFor(duration);
  stop = true;
  for (auto& thread : threads) thread.join();
  samples.elapsed += absl::Now() - start;
  if (samples.first_failure.empty()) samples.first_failure = first_failure;
  samples.failures += failures;
  for (auto& per_thread : latencies) {
    samples.latencies.insert(samples.latencies.end(), per_thread.begin(), per_thread.end());
  }
}

Figures Summarize(Samples& samples) {
  Figures figures;
  figures.failures = samples.failures;
  auto& all = samples.latencies;
  if (all.empty()) return figures;
  std::sort(all.begin(), all.end());
  figures.requests_per_second = all.size() / absl::ToDoubleSeconds(samples.elapsed);
  figures.p50 = all[all.size() / 2];
  figures.p99 = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  return figures;
}

std::string ResidentMemory(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return line.substr(6);
  }
  return "unknown";
}

int Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "bench_auth_get_access_token: %s: %s\n", what.c_str(),
               status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 3;
  if (argc > 1 && (!absl::SimpleAtoi(argv[1], &seconds) || seconds <= 0)) {
    std::fprintf(stderr, "usage: %s [seconds_per_run]\n", argv[0]);
    return 2;
  }
  auto database = crmsync::testing::TestDatabase::Create();
  if (!database.ok()) return Fail("database (run under pg_virtualenv)", database.status());
  auto sim = crmsync::testing::ZohoSimProcess::Start();
  if (!sim.ok()) return Fail("zoho-sim", sim.status());
  auto refresh_token = (*sim)->SeedGrant("1000.BENCH", "bench-client-secret", "owner@example.com");
  if (!refresh_token.ok()) return Fail("seed grant", refresh_token.status());

  const std::string keys_path = "/tmp/bench_auth_keys_" + (*database)->name();
  std::ofstream(keys_path) << crmsync::crypto::KeySet::Generate("bench").Serialize();
  auto auth = crmsync::testing::Subprocess::Start(
      std::string(CRMSYNC_BIN_DIR) + "/crmsync-auth",
      {"--database_url=" + (*database)->url(), "--grpc_port=0", "--metrics_port=0",
       "--listen_host=127.0.0.1", "--encryption_keys_file=" + keys_path, "--allow_loopback_http"});
  if (!auth.ok()) return Fail("crmsync-auth", auth.status());
  auto listening = (*auth)->WaitForLine(
      [](const nlohmann::json& j) { return j.value("msg", "") == "listening"; }, absl::Seconds(20));
  std::remove(keys_path.c_str());
  if (!listening.ok()) return Fail("crmsync-auth start", listening.status());
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*listening)["grpc_port"].get<int>()),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::AuthService::NewStub(channel);
  auto health = grpc::health::v1::Health::NewStub(channel);

  const Call health_check = [&]() -> std::string {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status status = health->Check(&context, request, &response);
    if (!status.ok()) return absl::StrCat("Check: ", status.error_message());
    if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
      return "Check: not SERVING";
    }
    return "";
  };
  const absl::Time ready_by = absl::Now() + absl::Seconds(20);
  while (!health_check().empty() && absl::Now() < ready_by) {
    absl::SleepFor(absl::Milliseconds(100));
  }

  v1::RegisterGrantRequest registration;
  registration.set_portal_id("bench");
  registration.set_side(crmsync::common::v1::SIDE_CRM);
  registration.set_accounts_server_url((*sim)->base_url());
  registration.set_api_domain((*sim)->base_url());
  registration.set_client_id("1000.BENCH");
  registration.set_client_secret("bench-client-secret");
  registration.set_refresh_token(*refresh_token);
  registration.add_scopes("ZohoCRM.modules.tasks.ALL");
  registration.set_owner_email("owner@example.com");
  {
    grpc::ClientContext context;
    v1::RegisterGrantResponse response;
    grpc::Status status = stub->RegisterGrant(&context, registration, &response);
    if (!status.ok()) return Fail("RegisterGrant", absl::UnknownError(status.error_message()));
  }
  v1::GetAccessTokenRequest token_request;
  token_request.set_portal_id("bench");
  token_request.set_side(crmsync::common::v1::SIDE_CRM);
  token_request.add_scopes("ZohoCRM.modules.tasks.ALL");
  const Call get_token = [&]() -> std::string {
    grpc::ClientContext context;
    v1::GetAccessTokenResponse response;
    const grpc::Status status = stub->GetAccessToken(&context, token_request, &response);
    if (!status.ok()) return absl::StrCat("GetAccessToken: ", status.error_message());
    if (response.access_token().empty()) return "GetAccessToken: empty access_token";
    return "";
  };
  if (const std::string failure = get_token(); !failure.empty()) {
    return Fail("warm-up", absl::UnknownError(failure));
  }
  Samples warm_up;
  Run(32, absl::Seconds(1), get_token, warm_up);  // server threads, connection, caches
  Run(32, absl::Seconds(1), health_check, warm_up);
  int failures = warm_up.failures;
  if (warm_up.failures > 0) {
    std::printf("warm-up: %d failed calls, the first: %s\n", warm_up.failures,
                warm_up.first_failure.c_str());
  }

  std::printf("crmsync-auth GetAccessToken (warm grant) vs grpc.health.v1 Check, %d s per run\n",
              seconds);
  std::printf("%-11s | %-31s | %-31s | %-10s | %s\n", "concurrency", "GetAccessToken req/s p50 p99",
              "Health.Check req/s p50 p99", "rate ratio", "failed calls (token, health)");
  for (int concurrency : {1, 8, 32}) {
    // Interleaved half-second slices, so both see the same background load.
    Samples token_samples, check_samples;
    for (int slice = 0; slice < 2 * seconds; ++slice) {
      Run(concurrency, absl::Milliseconds(500), slice % 2 ? get_token : health_check,
          slice % 2 ? token_samples : check_samples);
      Run(concurrency, absl::Milliseconds(500), slice % 2 ? health_check : get_token,
          slice % 2 ? check_samples : token_samples);
    }
    Figures token = Summarize(token_samples);
    Figures check = Summarize(check_samples);
    std::printf(
        "%-11d | %9.0f %8.3fms %8.3fms | %9.0f %8.3fms %8.3fms | %-10.2f | %d, %d\n", concurrency,
        token.requests_per_second, absl::ToDoubleMilliseconds(token.p50),
        absl::ToDoubleMilliseconds(token.p99), check.requests_per_second,
        absl::ToDoubleMilliseconds(check.p50), absl::ToDoubleMilliseconds(check.p99),
        check.requests_per_second > 0 ? token.requests_per_second / check.requests_per_second : 0.0,
        token.failures, check.failures);
    for (const Samples* samples : {&token_samples, &check_samples}) {
      if (samples->failures > 0) {
        std::printf("  first failure: %s\n", samples->first_failure.c_str());
      }
    }
    failures += token.failures + check.failures;
  }
  std::printf("crmsync-auth resident memory:%s\n", ResidentMemory((*auth)->pid()).c_str());
  stub.reset();
  health.reset();
  channel.reset();
  const absl::Time stop_start = absl::Now();
  auto stopped = (*auth)->Terminate(absl::Seconds(15));
  std::printf("crmsync-auth stopped in %s\n",
              absl::FormatDuration(absl::Now() - stop_start).c_str());
  if (!stopped.ok()) return Fail("crmsync-auth stop", stopped.status());
  if (failures > 0) {
    std::fprintf(stderr, "bench_auth_get_access_token: %d calls failed\n", failures);
    return 1;
  }
  return 0;
}

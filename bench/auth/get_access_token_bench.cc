// Benchmark of crmsync-auth's hot path: GetAccessToken on a warm grant at concurrency 1, 8 and
// 32, each beside the same server's grpc.health.v1 Check in the same run, printed as requests
// per second, p50 and p99 latency and the token/health rate ratio (targets at concurrency 32:
// ratio >= 0.7, p99 < 5 ms); then the server's resident memory idle and after the load. Starts
// zoho-sim and crmsync-auth itself on a fresh database of the PG* server.
// Only successful calls count towards rates and latencies; failed calls are counted apart and
// printed with their first error, and any failure makes the exit status 1.
//
//   pg_virtualenv -t -v 15 build/bin/bench_auth_get_access_token [--quick | seconds_per_run]
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/support/load.h"
#include "bench/support/report.h"
#include "bench/support/services.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace {

namespace v1 = crmsync::auth::v1;
using crmsync::bench::Call;
using crmsync::bench::Figures;
using crmsync::bench::Report;
using crmsync::bench::ReportMemory;
using crmsync::bench::Run;
using crmsync::bench::Samples;
using crmsync::bench::Summarize;

// The targets at concurrency 32 on this 2-core machine.
constexpr int kTargetConcurrency = 32;
constexpr crmsync::bench::Target kRatioTarget = crmsync::bench::AtLeast(0.7);
constexpr crmsync::bench::Target kP99Target = crmsync::bench::Below(5, "ms");

int Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "bench_auth_get_access_token: %s: %s\n", what.c_str(),
               status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 3;
  if (argc == 2 && absl::string_view(argv[1]) == "--quick") {
    seconds = 1;
  } else if (argc > 2 || (argc == 2 && (!absl::SimpleAtoi(argv[1], &seconds) || seconds <= 0))) {
    std::fprintf(stderr, "usage: %s [--quick (1 s per run) | seconds_per_run]\n", argv[0]);
    return 2;
  }
  auto database = crmsync::testing::TestDatabase::Create();
  if (!database.ok()) return Fail("database (run under pg_virtualenv)", database.status());
  auto sim = crmsync::testing::ZohoSimProcess::Start();
  if (!sim.ok()) return Fail("zoho-sim", sim.status());
  auto refresh_token = (*sim)->SeedGrant("1000.BENCH", "bench-client-secret", "owner@example.com");
  if (!refresh_token.ok()) return Fail("seed grant", refresh_token.status());

  crmsync::bench::Progress("starting crmsync-auth");
  auto auth = crmsync::bench::StartAuth((*database)->url());
  if (!auth.ok()) return Fail("crmsync-auth", auth.status());
  // sync's and mapping's role: GetAccessToken is for services; the grant is an admin's.
  auto stub = v1::AuthService::NewStub(auth->service_channel);
  auto admin = v1::AuthService::NewStub(auth->channel);
  auto health = grpc::health::v1::Health::NewStub(auth->service_channel);

  const Call health_check = [&](int) -> std::string {
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
    grpc::Status status = admin->RegisterGrant(&context, registration, &response);
    if (!status.ok()) return Fail("RegisterGrant", absl::UnknownError(status.error_message()));
  }
  v1::GetAccessTokenRequest token_request;
  token_request.set_portal_id("bench");
  token_request.set_side(crmsync::common::v1::SIDE_CRM);
  token_request.add_scopes("ZohoCRM.modules.tasks.ALL");
  const Call get_token = [&](int) -> std::string {
    grpc::ClientContext context;
    v1::GetAccessTokenResponse response;
    const grpc::Status status = stub->GetAccessToken(&context, token_request, &response);
    if (!status.ok()) return absl::StrCat("GetAccessToken: ", status.error_message());
    if (response.access_token().empty()) return "GetAccessToken: empty access_token";
    return "";
  };
  if (const std::string failure = get_token(0); !failure.empty()) {
    return Fail("warm-up", absl::UnknownError(failure));
  }
  crmsync::bench::Progress("warming up (1 s each at concurrency 32)");
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
    crmsync::bench::Progress(absl::StrCat("concurrency ", concurrency, ": ", seconds,
                                          " s of each call, in half-second slices"));
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
    const double ratio = check.per_second > 0 ? token.per_second / check.per_second : 0.0;
    const bool targeted = concurrency == kTargetConcurrency;
    std::printf("%-11d | %9.0f %8.3fms %8.3fms | %9.0f %8.3fms %8.3fms | %-10.2f | %d, %d\n",
                concurrency, token.per_second, absl::ToDoubleMilliseconds(token.p50),
                absl::ToDoubleMilliseconds(token.p99), check.per_second,
                absl::ToDoubleMilliseconds(check.p50), absl::ToDoubleMilliseconds(check.p99), ratio,
                token.failures, check.failures);
    Report(absl::StrCat("GetAccessToken rate, concurrency ", concurrency), token.per_second,
           "req/s", 0);
    Report(absl::StrCat("GetAccessToken rate / Health.Check rate, concurrency ", concurrency),
           ratio, "", 2, targeted ? std::optional(kRatioTarget) : std::nullopt,
           absl::StrFormat("Health.Check %.0f req/s", check.per_second));
    Report(absl::StrCat("GetAccessToken p99, concurrency ", concurrency),
           absl::ToDoubleMilliseconds(token.p99), "ms", 2,
           targeted ? std::optional(kP99Target) : std::nullopt);
    for (const Samples* samples : {&token_samples, &check_samples}) {
      if (samples->failures > 0) {
        std::printf("  first failure: %s\n", samples->first_failure.c_str());
      }
    }
    failures += token.failures + check.failures;
  }
  const crmsync::bench::Memory memory =
      ReportMemory(*auth, "GetAccessToken and Health.Check at concurrency 1, 8, 32");
  std::printf(
      "crmsync-auth resident memory: idle %.1f MiB, after the load %.1f MiB, peak %.1f MiB\n",
      auth->idle.resident_kib / 1024.0, memory.resident_kib / 1024.0, memory.peak_kib / 1024.0);
  stub.reset();
  admin.reset();
  health.reset();
  auth->channel.reset();
  auth->service_channel.reset();
  const absl::Time stop_start = absl::Now();
  auto stopped = auth->process->Terminate(absl::Seconds(15));
  std::printf("crmsync-auth stopped in %s\n",
              absl::FormatDuration(absl::Now() - stop_start).c_str());
  if (!stopped.ok()) return Fail("crmsync-auth stop", stopped.status());
  if (failures > 0) {
    std::fprintf(stderr, "bench_auth_get_access_token: %d calls failed\n", failures);
    return 1;
  }
  return 0;
}

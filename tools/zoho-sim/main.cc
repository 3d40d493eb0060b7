// zoho-sim: a loopback emulator of the Zoho accounts server, CRM and Projects APIs, with
// webhooks, limits, faults and a control API under /_sim/ (see README.md).
#include <pthread.h>
#include <signal.h>

#include <thread>

#include "absl/flags/flag.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "tools/zoho-sim/sim_server.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(int, port, 0,
          "Port to listen on; 0 picks a free one (logged as {\"msg\":\"listening\"}).");
ABSL_FLAG(int, token_ttl_seconds, 3600, "Lifetime of a minted access token.");
ABSL_FLAG(int, mints_per_window, 10, "Access tokens a refresh token may mint per mint window.");
ABSL_FLAG(int, mint_window_seconds, 600, "The mint window.");
ABSL_FLAG(int, max_active_tokens, 10,
          "Live access tokens per refresh token; a new one invalidates the oldest.");
ABSL_FLAG(int, projects_requests_per_minute, 150, "Projects calls per access token per minute.");
ABSL_FLAG(int, crm_concurrent_calls, 5, "CRM calls in flight per user.");
ABSL_FLAG(int64_t, crm_daily_credits, 50000,
          "CRM API credits per rolling 24 hours, one per call (429 TOO_MANY_REQUESTS past them).");
ABSL_FLAG(std::string, api_domain, "",
          "The api_domain token replies name (the data centre's API host); empty: the sim's own "
          "base URL.");

int main(int argc, char** argv) {
  crmsync::SetLogService("zoho-sim");
  crmsync::ParseCommandLineOrExit(argc, argv,
                                  "zoho-sim: emulates Zoho accounts, CRM and Projects on loopback");
  const int port = absl::GetFlag(FLAGS_port);
  if (port < 0 || port > 65535) {
    return crmsync::ExitWithUsageError(absl::InvalidArgumentError("--port must be 0..65535"));
  }
  for (int64_t value : {int64_t{absl::GetFlag(FLAGS_token_ttl_seconds)},
                        int64_t{absl::GetFlag(FLAGS_mints_per_window)},
                        int64_t{absl::GetFlag(FLAGS_mint_window_seconds)},
                        int64_t{absl::GetFlag(FLAGS_max_active_tokens)},
                        int64_t{absl::GetFlag(FLAGS_projects_requests_per_minute)},
                        int64_t{absl::GetFlag(FLAGS_crm_concurrent_calls)},
                        absl::GetFlag(FLAGS_crm_daily_credits)}) {
    if (value <= 0) {
      return crmsync::ExitWithUsageError(absl::InvalidArgumentError("limits must be positive"));
    }
  }
  // Signals are taken by one thread with sigwait, so every other thread must block them first.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  crmsync::zoho_sim::SimServer server(crmsync::zoho_sim::SimOptions{
      .token_ttl = absl::Seconds(absl::GetFlag(FLAGS_token_ttl_seconds)),
      .mints_per_window = absl::GetFlag(FLAGS_mints_per_window),
      .mint_window = absl::Seconds(absl::GetFlag(FLAGS_mint_window_seconds)),
      .max_active_tokens = absl::GetFlag(FLAGS_max_active_tokens),
      .projects_requests_per_minute = absl::GetFlag(FLAGS_projects_requests_per_minute),
      .crm_concurrent_calls_per_user = absl::GetFlag(FLAGS_crm_concurrent_calls),
      .crm_daily_credits = absl::GetFlag(FLAGS_crm_daily_credits),
      .api_domain = absl::GetFlag(FLAGS_api_domain),
  });
  auto bound = server.Bind(absl::GetFlag(FLAGS_host), port);
  if (!bound.ok()) return crmsync::ExitWithError(bound.status());

  std::thread stopper([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    crmsync::LogInfo("stopping", {{"signal", signal}});
    server.Stop();
  });
  stopper.detach();
  crmsync::LogInfo("listening", {{"port", *bound}, {"host", absl::GetFlag(FLAGS_host)}});
  server.Serve();
  return 0;
}

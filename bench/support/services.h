// Starting the crmsync binaries a benchmark drives: each on a database, on loopback ports of its
// own, with the test caller tokens (tests/support/callers), ready to call once its health service
// reports SERVING, its resident memory read then as idle.
#ifndef CRMSYNC_BENCH_SUPPORT_SERVICES_H_
#define CRMSYNC_BENCH_SUPPORT_SERVICES_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "bench/support/report.h"
#include "tests/support/process/subprocess.h"

namespace crmsync::bench {

// A crmsync binary running for a benchmark.
struct Service {
  std::string name;  // of the binary, e.g. "crmsync-sync"
  std::unique_ptr<testing::Subprocess> process;
  std::string address;  // 127.0.0.1:<grpc port>
  int metrics_port = 0;
  std::shared_ptr<grpc::Channel> channel;          // carries the ADMIN test token
  std::shared_ptr<grpc::Channel> service_channel;  // carries the SERVICE test token
  Memory idle;  // once SERVING, before any load; its peak is reset then
};

// What a benchmark's service logs: everything (info), or warnings and errors only, for a load
// where a line per call or email would cost the figure.
enum class Logs { kAll, kWarnings };

// Starts build/bin/`name` on `database_url` with `args` beside its ports (gRPC and metrics picked
// free, on 127.0.0.1) and `env` ("NAME=value" entries: the secrets), waiting up to 20 s for it to
// listen and 30 s more for SERVING (its schema migrated). The test caller tokens are put into its
// environment first (SetCallerEnvironment). The error names what did not happen; the process is
// stopped with it. Once SERVING, its memory is read as `idle` and VmHWM is reset, so that the
// peak ReportMemory reads is that of the load. With Logs::kWarnings (--log_level=warning) it logs
// no `listening` line, so its ports are picked with FreePort instead.
absl::StatusOr<Service> StartService(const std::string& name, const std::string& database_url,
                                     std::vector<std::string> args,
                                     const std::vector<std::string>& env = {},
                                     Logs logs = Logs::kAll);

// crmsync-auth as StartService starts it, with a fresh encryption key, allowed to reach zoho-sim
// over plain loopback HTTP, plus `args`: the auth mapping, sync and notify are given as
// --auth_address.
absl::StatusOr<Service> StartAuth(const std::string& database_url,
                                  std::vector<std::string> args = {});

// Reads the memory of `service` now, at the end of `load` (what the benchmark made it do), and
// reports it beside its idle memory (see report.h); returns what it read.
Memory ReportMemory(const Service& service, absl::string_view load);

}  // namespace crmsync::bench

#endif  // CRMSYNC_BENCH_SUPPORT_SERVICES_H_

// Runs a crmsync binary as a child process for integration tests: collects its one-line JSON
// logs from stderr, waits for a given line (such as {"msg":"listening","port":N}), and stops it
// with SIGTERM. Any binary that logs through libs/common/log.h fits.
#ifndef CRMSYNC_TESTS_SUPPORT_PROCESS_SUBPROCESS_H_
#define CRMSYNC_TESTS_SUPPORT_PROCESS_SUBPROCESS_H_

#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace crmsync::testing {

class Subprocess {
 public:
  // Starts `binary` with `args` (argv[1..]), the environment of this process plus `env`
  // ("NAME=value" entries). stdout is discarded; stderr is read line by line.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      const std::vector<std::string>& env = {});

  // Terminates the child (SIGTERM, then SIGKILL after 5 s) if it still runs.
  ~Subprocess();

  // The first stderr JSON line for which `match` holds, waiting up to `timeout`. DEADLINE_EXCEEDED
  // on timeout, UNAVAILABLE if the child exits first; the message carries its stderr.
  absl::StatusOr<nlohmann::json> WaitForLine(
      const std::function<bool(const nlohmann::json&)>& match, absl::Duration timeout);

  // WaitForLine for {"msg":"listening",...}; returns its "port".
  absl::StatusOr<int> WaitForListeningPort(absl::Duration timeout = absl::Seconds(10));

  // Sends SIGTERM and waits up to `timeout` for the exit; returns the exit code (128+signal when
  // killed by one). DEADLINE_EXCEEDED when it is still running (it is then killed).
  absl::StatusOr<int> Terminate(absl::Duration timeout = absl::Seconds(5));

  // Waits up to `timeout` for the child to exit by itself; returns the exit code as Terminate.
  // Once it returns a code, StderrLines() holds everything the child wrote.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  pid_t pid() const { return pid_; }
  // Every stderr line so far (JSON or not).
  std::vector<std::string> StderrLines() const;

 private:
  Subprocess(pid_t pid, int stderr_fd);
  void ReadStderr();

  pid_t pid_;
  int stderr_fd_;
  bool reaped_ = false;
  int exit_code_ = 0;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  bool stderr_closed_ = false;
};

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_PROCESS_SUBPROCESS_H_

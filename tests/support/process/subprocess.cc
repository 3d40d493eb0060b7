#include "tests/support/process/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

extern char** environ;

namespace crmsync::testing {

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(const std::string& binary,
                                                              const std::vector<std::string>& args,
                                                              const std::vector<std::string>& env) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  // The child starts with default signal dispositions and an empty mask, whatever the test's.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> argv_strings = {binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.insert(env_strings.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int error =
      posix_spawn(&pid, binary.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(pipe_fds[1]);
  if (error != 0) {
    close(pipe_fds[0]);
    return absl::NotFoundError(absl::StrCat("cannot start ", binary, ": ", std::strerror(error)));
  }
  return std::unique_ptr<Subprocess>(new Subprocess(pid, pipe_fds[0]));
}

Subprocess::Subprocess(pid_t pid, int stderr_fd) : pid_(pid), stderr_fd_(stderr_fd) {
  reader_ = std::thread([this] { ReadStderr(); });
}

Subprocess::~Subprocess() {
  if (!reaped_) (void)Terminate();
  reader_.join();
  close(stderr_fd_);
}

void Subprocess::ReadStderr() {
  std::string pending;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(stderr_fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      std::lock_guard lock(mutex_);
      lines_.push_back(pending.substr(0, newline));
      pending.erase(0, newline + 1);
      changed_.notify_all();
    }
  }
  std::lock_guard lock(mutex_);
  if (!pending.empty()) lines_.push_back(pending);
  stderr_closed_ = true;
  changed_.notify_all();
}

std::vector<std::string> Subprocess::StderrLines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

absl::StatusOr<nlohmann::json> Subprocess::WaitForLine(
    const std::function<bool(const nlohmann::json&)>& match, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::unique_lock lock(mutex_);
  size_t seen = 0;
  while (true) {
    for (; seen < lines_.size(); ++seen) {
      auto line = nlohmann::json::parse(lines_[seen], nullptr, /*allow_exceptions=*/false);
      if (line.is_object() && match(line)) return line;
    }
    if (stderr_closed_) {
      return absl::UnavailableError(
          absl::StrCat("process exited; stderr:\n", absl::StrJoin(lines_, "\n")));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("line not seen; stderr:\n", absl::StrJoin(lines_, "\n")));
    }
    changed_.wait_for(
        lock, absl::ToChronoMilliseconds(deadline - absl::Now()) + std::chrono::milliseconds(1));
  }
}

absl::StatusOr<int> Subprocess::WaitForListeningPort(absl::Duration timeout) {
  auto line = WaitForLine(
      [](const nlohmann::json& j) {
        return j.value("msg", "") == "listening" && j.contains("port");
      },
      timeout);
  if (!line.ok()) return line.status();
  if (!(*line)["port"].is_number_integer()) return absl::InternalError("port is not a number");
  return (*line)["port"].get<int>();
}

absl::StatusOr<int> Subprocess::Wait(absl::Duration timeout) {
  if (reaped_) return exit_code_;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      // The exit can be seen before the reader has drained the pipe: callers read StderrLines()
      // next, so wait for its end (bounded: a grandchild may still hold the pipe open).
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::seconds(2), [&] { return stderr_closed_; });
      return exit_code_;
    }
    if (done < 0) return absl::InternalError("waitpid failed");
    if (absl::Now() >= deadline) return absl::DeadlineExceededError("process still running");
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::StatusOr<int> Subprocess::Terminate(absl::Duration timeout) {
  if (reaped_) return exit_code_;
  kill(pid_, SIGTERM);
  auto code = Wait(timeout);
  if (code.ok()) return code;
  kill(pid_, SIGKILL);
  (void)Wait(absl::Seconds(5));
  return absl::DeadlineExceededError("did not exit after SIGTERM; killed");
}

}  // namespace crmsync::testing

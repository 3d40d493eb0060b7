#include "tests/support/pg/private_server.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "tests/support/process/free_port.h"

namespace crmsync::testing {
namespace {

constexpr char kBinDir[] = "/usr/lib/postgresql/15/bin";

std::string Tail(const std::string& path, size_t max_chars = 2000) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  std::string all = text.str();
  return all.size() > max_chars ? all.substr(all.size() - max_chars) : all;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PrivateServer>> PrivateServer::Create() {
  std::string folder = (std::filesystem::temp_directory_path() / "crmsync-pg-XXXXXX").string();
  if (mkdtemp(folder.data()) == nullptr) {
    return absl::UnavailableError(absl::StrCat("mkdtemp failed: ", std::strerror(errno)));
  }
  if (geteuid() == 0) {
    const passwd* postgres = getpwnam("postgres");
    if (postgres == nullptr || chown(folder.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
      std::filesystem::remove_all(folder);
      return absl::UnavailableError("running as root needs a postgres user to own the cluster");
    }
  }
  absl::BitGen random;
  const std::string password = absl::StrCat("pw", absl::Uniform<uint64_t>(random));
  auto port = FreePort();
  if (!port.ok()) {
    std::filesystem::remove_all(folder);
    return port.status();
  }
  std::unique_ptr<PrivateServer> server(new PrivateServer(folder, *port, password));
  const std::string password_file = absl::StrCat(folder, "/password");
  { std::ofstream(password_file) << password << "\n"; }
  if (geteuid() == 0) {
    const passwd* postgres = getpwnam("postgres");
    if (chown(password_file.c_str(), postgres->pw_uid, postgres->pw_gid) != 0) {
      return absl::UnavailableError("cannot hand the password file to postgres");
    }
  }
  absl::Status initialized =
      server->Run({"initdb", "-D", absl::StrCat(folder, "/data"), "-U", "postgres", "--no-sync",
                   "-E", "UTF8", "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
                   absl::StrCat("--pwfile=", password_file)});
  if (!initialized.ok()) return initialized;
  absl::Status started = server->Start();
  if (!started.ok()) return started;
  return server;
}

PrivateServer::~PrivateServer() {
  (void)Crash();
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

absl::Status PrivateServer::Start() {
  // The socket folder is ours too, so the server never needs /var/run/postgresql.
  return Run(
      {"pg_ctl", "start", "-D", absl::StrCat(folder_, "/data"), "-w", "-t", "60", "-l",
       absl::StrCat(folder_, "/server.log"), "-o",
       absl::StrCat("-p ", port_, " -k ", folder_, " -c listen_addresses=127.0.0.1 -c fsync=off")});
}

absl::Status PrivateServer::Stop() {
  return Run({"pg_ctl", "stop", "-D", absl::StrCat(folder_, "/data"), "-m", "fast", "-w"});
}

absl::Status PrivateServer::Crash() {
  return Run({"pg_ctl", "stop", "-D", absl::StrCat(folder_, "/data"), "-m", "immediate", "-w"});
}

absl::Status PrivateServer::Restart() {
  if (absl::Status stopped = Stop(); !stopped.ok()) return stopped;
  return Start();
}

absl::Status PrivateServer::TerminateSessions(absl::string_view application_name) {
  PGconn* connection = PQconnectdb(url().c_str());
  const std::string name(application_name);
  const char* parameters[] = {name.c_str()};
  auto run = [&](const char* sql) -> absl::StatusOr<std::string> {
    PGresult* result = PQexecParams(connection, sql, 1, nullptr, parameters, nullptr, nullptr, 0);
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
      const std::string error = PQerrorMessage(connection);
      PQclear(result);
      return absl::UnavailableError(error);
    }
    std::string value = PQgetvalue(result, 0, 0);
    PQclear(result);
    return value;
  };
  absl::Status status = run("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE application_name = $1")
                            .status();
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (status.ok()) {
    auto left = run("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1");
    if (!left.ok() || *left == "0") {
      status = left.status();
      break;
    }
    if (absl::Now() > give_up) {
      status = absl::DeadlineExceededError("sessions outlived pg_terminate_backend");
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  PQfinish(connection);
  return status;
}

std::string PrivateServer::url(absl::string_view dbname) const {
  return absl::StrCat("host=127.0.0.1 port=", port_, " user=postgres password=", password_,
                      " dbname=", dbname);
}

absl::Status PrivateServer::Run(const std::vector<std::string>& argv) const {
  std::vector<std::string> command;
  if (geteuid() == 0) command = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  command.push_back(absl::StrCat(kBinDir, "/", argv[0]));
  command.insert(command.end(), argv.begin() + 1, argv.end());
  std::vector<char*> args;
  for (auto& arg : command) args.push_back(arg.data());
  args.push_back(nullptr);
  // A clean environment: pg_virtualenv's PG* variables must not steer these programs.
  std::string path = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  std::string lang = "LC_ALL=C";
  char* env[] = {path.data(), lang.data(), nullptr};

  const std::string log = absl::StrCat(folder_, "/commands.log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot run ", command[0], ": ", std::strerror(error)));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(absl::StrJoin(argv, " "), " failed:\n", Tail(log),
                                             "\nserver log:\n",
                                             Tail(absl::StrCat(folder_, "/server.log"))));
}

}  // namespace crmsync::testing

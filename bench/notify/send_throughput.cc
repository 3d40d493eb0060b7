// Emails per second from crmsync-notify (4 senders, SMTP) to a local SMTP server, and the
// service's resident memory while it sends. Needs a PostgreSQL (run under pg_virtualenv) and
// Debian's /usr/bin/python3 with aiosmtpd.
//
//   pg_virtualenv -v 15 build/bin/bench_notify_send_throughput [--emails=N] [--senders=N]
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "libs/pg/migrations.h"
#include "libs/pg/pool.h"
#include "services/notify/email.h"
#include "services/notify/pg_store.h"
#include "services/notify/schema.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"

namespace {

using crmsync::testing::Subprocess;

int FlagOr(int argc, char** argv, absl::string_view name, int fallback) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    int value = 0;
    if (absl::ConsumePrefix(&arg, absl::StrCat("--", name, "=")) && absl::SimpleAtoi(arg, &value)) {
      return value;
    }
  }
  return fallback;
}

// VmRSS of `pid` in KiB, 0 when unknown.
long ResidentKib(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    long kib = 0;
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "VmRSS:") &&
        absl::SimpleAtoi(
            absl::StripAsciiWhitespace(absl::StripSuffix(absl::StripAsciiWhitespace(rest), "kB")),
            &kib)) {
      return kib;
    }
  }
  return 0;
}

size_t CountEml(const std::string& dir) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    n += entry.path().extension() == ".eml";
  }
  return n;
}

int Fail(absl::string_view what, const absl::Status& status) {
  std::cerr << what << ": " << status << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace crmsync::notify;  // NOLINT(build/namespaces)
  const int emails = FlagOr(argc, argv, "emails", 2000);
  const int senders = FlagOr(argc, argv, "senders", 4);

  auto database = crmsync::testing::TestDatabase::Create();
  if (!database.ok()) return Fail("database", database.status());
  const std::string mail_dir =
      (std::filesystem::temp_directory_path() / absl::StrCat("crmsync_bench_notify_", getpid()))
          .string();
  std::filesystem::create_directories(mail_dir);

  // The queue, filled before the service starts so that only sending is timed.
  {
    crmsync::pg::PoolOptions options;
    options.database_url = (*database)->url();
    options.schema = "notify";
    auto migrator = crmsync::pg::Pool::Create(options);
    if (!migrator.ok()) return Fail("pool", migrator.status());
    if (auto m = crmsync::pg::Migrate(**migrator, "notify", Migrations()); !m.ok()) {
      return Fail("migrate", m.status());
    }
    options.statements = Queries();
    auto pool = crmsync::pg::Pool::Create(options);
    if (!pool.ok()) return Fail("pool", pool.status());
    PgStore store(**pool);
    const auto templates = Templates::Defaults();
    NewNotification n;
    n.portal_id = "portal-1";
    n.recipient = {"george@example.com", "George Miller"};
    n.kind = Kind::kDueDateBeyondStrictSchedule;
    n.parameters.side = Side::kCrm;
    n.parameters.task_title = "Map legacy customer fields";
    n.parameters.project_name = "Data Migration";
    n.parameters.attempted_value = "2027-01-08";
    n.parameters.kept_value = "2026-12-11";
    n.parameters.occur_time = absl::Now();
    n.parameters.project_start_date = absl::CivilDay(2026, 11, 2);
    n.parameters.project_end_date = absl::CivilDay(2026, 12, 18);
    const std::string subject = RenderSubject(templates->For(n.kind), n.recipient, n.parameters);
    for (int i = 0; i < emails; ++i) {
      n.failure_id = absl::StrCat("bench-", i);
      if (auto r = store.Insert(n, subject, absl::Now(), absl::Now()); !r.ok())
        return Fail("insert", r.status());
    }
  }

  auto sink = Subprocess::Start(
      "/usr/bin/python3", {absl::StrCat(CRMSYNC_SOURCE_DIR, "/tests/services/notify/smtp_sink.py"),
                           "--dir=" + mail_dir});
  if (!sink.ok()) return Fail("smtp server", sink.status());
  auto smtp_port = (*sink)->WaitForListeningPort();
  if (!smtp_port.ok()) return Fail("smtp server", smtp_port.status());

  auto notify = Subprocess::Start(
      absl::StrCat(CRMSYNC_BIN_DIR, "/crmsync-notify"),
      {"--database_url=" + (*database)->url(), "--grpc_port=0", "--metrics_port=0",
       "--listen_host=127.0.0.1", absl::StrCat("--smtp_url=smtp://127.0.0.1:", *smtp_port),
       absl::StrCat("--senders=", senders), "--log_level=warning"});
  if (!notify.ok()) return Fail("crmsync-notify", notify.status());
  const absl::Time start = absl::Now();
  long peak_kib = 0;
  size_t delivered = 0;
  const absl::Time deadline = start + absl::Minutes(5);
  while ((delivered = CountEml(mail_dir)) < static_cast<size_t>(emails) && absl::Now() < deadline) {
    peak_kib = std::max(peak_kib, ResidentKib((*notify)->pid()));
    absl::SleepFor(absl::Milliseconds(20));
  }
  const absl::Duration elapsed = absl::Now() - start;
  const long end_kib = ResidentKib((*notify)->pid());
  (void)(*notify)->Terminate();
  (void)(*sink)->Terminate();
  std::filesystem::remove_all(mail_dir);

  std::cout << "notify send throughput: " << delivered << " of " << emails << " emails, " << senders
            << " senders, SMTP to aiosmtpd on loopback\n"
            << "  elapsed (from process start, migrations included): "
            << absl::FormatDuration(elapsed) << "\n"
            << "  emails per second: "
            << static_cast<double>(delivered) / absl::ToDoubleSeconds(elapsed) << "\n"
            << "  resident memory: peak " << peak_kib / 1024.0 << " MiB, at the end "
            << end_kib / 1024.0 << " MiB\n";
  return delivered == static_cast<size_t>(emails) ? 0 : 1;
}

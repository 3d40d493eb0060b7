// Emails per second from crmsync-notify (4 senders, SMTP) to a local SMTP server, beside a
// baseline measured in the same run: a plain libcurl SMTP client sending as many emails of the
// same size to the same server from as many threads. Both count the distinct Message-IDs the
// server saved, so a resent email counts once. The service starts idle on a queue whose emails
// fall due together once it serves; it is timed from then (target >= 200 emails/s). Also prints
// its resident memory idle and while it sends. Needs a PostgreSQL (run under pg_virtualenv) and
// Debian's /usr/bin/python3 with aiosmtpd. Exits 1 unless every email of both runs arrived.
//
//   pg_virtualenv -v 15 build/bin/bench_notify_send_throughput [--quick (500 emails)]
//   [--emails=N] [--senders=N]
#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/support/report.h"
#include "bench/support/services.h"
#include "libs/pg/migrations.h"
#include "libs/pg/pool.h"
#include "services/notify/email.h"
#include "services/notify/pg_store.h"
#include "services/notify/schema.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"

namespace {

using crmsync::notify::Email;
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

// The distinct Message-IDs of the emails the SMTP sink saved in a folder, read incrementally:
// each .eml file is read once.
class ReceivedIds {
 public:
  explicit ReceivedIds(std::string dir) : dir_(std::move(dir)) {}

  // Reads the files saved since the last call.
  void Update() {
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      if (entry.path().extension() != ".eml" || !read_.insert(entry.path().string()).second) {
        continue;
      }
      std::ifstream in(entry.path(), std::ios::binary);
      std::string line;
      while (std::getline(in, line) && line != "\r") {
        absl::string_view value = line;
        if (absl::ConsumePrefix(&value, "Message-ID: ")) {
          ids_.insert(std::string(absl::StripSuffix(value, "\r")));
          break;
        }
      }
    }
  }
  // How many of `expected` arrived.
  size_t CountOf(const std::set<std::string>& expected) const {
    size_t n = 0;
    for (const auto& id : expected) n += ids_.count(id);
    return n;
  }

 private:
  const std::string dir_;
  std::set<std::string> read_;
  std::set<std::string> ids_;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* rest = static_cast<absl::string_view*>(user);
  const size_t n = std::min(size * count, rest->size());
  std::memcpy(buffer, rest->data(), n);
  rest->remove_prefix(n);
  return n;
}

// The baseline: `emails` sent over SMTP by `threads` threads, each with one libcurl handle (so one
// connection reused for its emails). Returns the first error, if any.
std::string SendWithPlainClient(const std::string& url, const std::vector<Email>& emails,
                                int threads) {
  std::mutex mutex;
  std::string first_error;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      CURL* curl = curl_easy_init();
      for (size_t i = t; i < emails.size(); i += threads) {
        const Email& email = emails[i];
        absl::string_view rest = email.data;
        const std::string from = absl::StrCat("<", email.envelope_from, ">");
        curl_slist* to =
            curl_slist_append(nullptr, absl::StrCat("<", email.envelope_to, ">").c_str());
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
        curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, to);
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadUpload);
        curl_easy_setopt(curl, CURLOPT_READDATA, &rest);
        const CURLcode code = curl_easy_perform(curl);
        curl_slist_free_all(to);
        if (code != CURLE_OK) {
          std::lock_guard lock(mutex);
          if (first_error.empty()) first_error = curl_easy_strerror(code);
        }
      }
      curl_easy_cleanup(curl);
    });
  }
  for (auto& worker : workers) worker.join();
  return first_error;
}

// Emails per second with 4 senders.
constexpr crmsync::bench::Target kRateTarget = crmsync::bench::AtLeast(200, "emails/s");

int Fail(absl::string_view what, const absl::Status& status) {
  std::cerr << what << ": " << status << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace crmsync::notify;  // NOLINT(build/namespaces)
  const bool quick =
      std::any_of(argv + 1, argv + argc, [](absl::string_view arg) { return arg == "--quick"; });
  const int emails = FlagOr(argc, argv, "emails", quick ? 500 : 2000);
  const int senders = FlagOr(argc, argv, "senders", 4);

  auto database = crmsync::testing::TestDatabase::Create();
  if (!database.ok()) return Fail("database", database.status());
  const std::string mail_dir =
      (std::filesystem::temp_directory_path() / absl::StrCat("crmsync_bench_notify_", getpid()))
          .string();
  std::filesystem::create_directories(mail_dir);

  const auto templates = Templates::Defaults();
  if (!templates.ok()) return Fail("templates", templates.status());
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

  // The queue, filled before the service starts, its emails due tomorrow: the service starts idle
  // and they fall due together, so that only sending is timed.
  std::set<std::string> notify_ids;
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
    for (int i = 0; i < emails; ++i) {
      n.failure_id = absl::StrCat("bench-", i);
      if (auto r = store.Insert(n, subject, absl::Now(), absl::Now() + absl::Hours(24),
                                absl::InfiniteFuture());
          !r.ok())
        return Fail("insert", r.status());
      notify_ids.insert(MessageIdFor(n.failure_id));
    }
  }

  // The baseline's emails: the same message as notify builds, each under its own Message-ID.
  std::vector<Email> baseline_emails;
  std::set<std::string> baseline_ids;
  for (int i = 0; i < emails; ++i) {
    Notification email;
    email.failure_id = absl::StrCat("baseline-", i);
    email.recipient = n.recipient;
    email.kind = n.kind;
    email.parameters = n.parameters;
    email.subject = subject;
    email.message_id = MessageIdFor(email.failure_id);
    baseline_ids.insert(email.message_id);
    baseline_emails.push_back(BuildEmail(email, templates->For(email.kind), {}, absl::Now()));
  }

  auto sink = Subprocess::Start(
      "/usr/bin/python3", {absl::StrCat(CRMSYNC_SOURCE_DIR, "/tests/services/notify/smtp_sink.py"),
                           "--dir=" + mail_dir});
  if (!sink.ok()) return Fail("smtp server", sink.status());
  auto smtp_port = (*sink)->WaitForListeningPort();
  if (!smtp_port.ok()) return Fail("smtp server", smtp_port.status());
  const std::string smtp_url = absl::StrCat("smtp://127.0.0.1:", *smtp_port);
  ReceivedIds received(mail_dir);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  const absl::Time baseline_start = absl::Now();
  const std::string baseline_error = SendWithPlainClient(smtp_url, baseline_emails, senders);
  const absl::Duration baseline_elapsed = absl::Now() - baseline_start;
  received.Update();
  const size_t baseline_delivered = received.CountOf(baseline_ids);

  crmsync::bench::Progress("starting crmsync-auth and crmsync-notify");
  auto auth = crmsync::bench::StartAuth((*database)->url());
  if (!auth.ok()) return Fail("crmsync-auth", auth.status());
  auto notify =
      crmsync::bench::StartService("crmsync-notify", (*database)->url(),
                                   {"--smtp_url=" + smtp_url, "--auth_address=" + auth->address,
                                    absl::StrCat("--senders=", senders)},
                                   {}, crmsync::bench::Logs::kWarnings);
  if (!notify.ok()) return Fail("crmsync-notify", notify.status());
  crmsync::bench::Progress(absl::StrCat("crmsync-notify sending ", emails, " emails"));
  const absl::Time start = absl::Now();
  try {
    pqxx::connection connection((*database)->url());
    pqxx::work tx(connection);
    tx.exec0(
        "UPDATE notify.work_items SET next_attempt_at = now() WHERE queue = 'notify_email' AND "
        "state = 'PENDING'");
    tx.commit();
  } catch (const std::exception& e) {
    return Fail("making the queue due", absl::UnknownError(e.what()));
  }
  size_t delivered = 0;
  const absl::Time deadline = start + absl::Minutes(5);
  while (absl::Now() < deadline) {
    received.Update();
    if ((delivered = received.CountOf(notify_ids)) == notify_ids.size()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  const absl::Duration elapsed = absl::Now() - start;
  const std::string load = absl::StrCat(emails, " emails to SMTP, ", senders, " senders");
  const crmsync::bench::Memory sent = crmsync::bench::ReportMemory(*notify, load);
  crmsync::bench::ReportMemory(*auth, load);
  (void)notify->process->Terminate();
  (void)(*sink)->Terminate();
  std::filesystem::remove_all(mail_dir);

  const double notify_rate = static_cast<double>(delivered) / absl::ToDoubleSeconds(elapsed);
  const double baseline_rate =
      static_cast<double>(baseline_delivered) / absl::ToDoubleSeconds(baseline_elapsed);
  std::cout << "SMTP to aiosmtpd on loopback, " << emails << " emails each, " << senders
            << " threads; distinct Message-IDs received\n"
            << "  baseline (plain libcurl client): " << baseline_delivered << " of " << emails
            << " in " << absl::FormatDuration(baseline_elapsed) << ", " << baseline_rate
            << " emails/s" << (baseline_error.empty() ? "" : "; first error: " + baseline_error)
            << "\n"
            << "  crmsync-notify (" << senders << " senders): " << delivered << " of " << emails
            << " in " << absl::FormatDuration(elapsed) << " from the moment they fell due, "
            << notify_rate << " emails/s (target " << kRateTarget.Text() << ": "
            << crmsync::bench::Verdict(kRateTarget.MetBy(notify_rate)) << ")\n"
            << "  notify / baseline: " << (baseline_rate > 0 ? notify_rate / baseline_rate : 0.0)
            << "\n"
            << "  notify resident memory: idle " << notify->idle.resident_kib / 1024.0
            << " MiB, peak while sending " << sent.peak_kib / 1024.0 << " MiB, at the end "
            << sent.resident_kib / 1024.0 << " MiB\n";
  crmsync::bench::Report(
      absl::StrCat("crmsync-notify emails/s, ", emails, " emails, ", senders, " senders"),
      notify_rate, "emails/s", 0, kRateTarget,
      absl::StrFormat("plain libcurl client %.0f emails/s", baseline_rate));
  crmsync::bench::Report("crmsync-notify rate / plain libcurl client rate",
                         baseline_rate > 0 ? notify_rate / baseline_rate : 0.0, "", 2);
  return delivered == notify_ids.size() && baseline_delivered == baseline_ids.size() ? 0 : 1;
}

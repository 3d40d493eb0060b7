// The sync service's hot path: SubmitChange of Projects-origin title changes to the real
// crmsync-sync binary (its portal configured in a real crmsync-mapping, which sync reads the
// portal's value maps from) over 1,000 tasks linked through the sync store, at concurrency 1, 8
// and 32. Every change carries a new event id and a newer source time, so each one must come back
// APPLIED and be committed (checked against the change log at the end). Beside it, in interleaved
// half-second slices of the same run against the same PostgreSQL, a plain one-row INSERT
// transaction over libpqxx, one connection per thread. Prints changes/s, p50, p99, the INSERT
// rate and the ratio, each beside its target, and crmsync-sync's resident memory idle and under
// the load. Exits 1 when a call fails or a change is not APPLIED; a missed target is printed, not
// an error.
//
//   pg_virtualenv -t -v 15 build/bin/bench_sync [--quick] [--seconds=N]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/support/load.h"
#include "bench/support/services.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "libs/grpc_server/proto_convert.h"
#include "libs/pg/pool.h"
#include "services/sync/schema.h"
#include "services/sync/store/pg_store.h"
#include "tests/support/pg/test_database.h"
#include "tests/support/process/subprocess.h"

namespace {

namespace sync = crmsync::sync;
using crmsync::bench::Call;
using crmsync::bench::Figures;
using crmsync::bench::ResidentMiB;
using crmsync::bench::Samples;
using crmsync::bench::StartService;
using crmsync::bench::Verdict;

constexpr char kPortal[] = "1001";
constexpr int kTasks = 1000;
constexpr double kRatioTarget = 0.5;
constexpr absl::Duration kP99Target = absl::Milliseconds(20);
constexpr double kResidentTargetMiB = 100;
constexpr absl::Duration kSlice = absl::Milliseconds(500);

// The highest VmRSS of a process while it lives, sampled every 100 ms from its own thread.
class PeakResident {
 public:
  explicit PeakResident(pid_t pid)
      : thread_([this, pid] {
          while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
            const double mib = ResidentMiB(pid);
            std::lock_guard lock(mutex_);
            peak_ = std::max(peak_, mib);
          }
        }) {}
  ~PeakResident() {
    stop_.Notify();
    thread_.join();
  }
  double peak() {
    std::lock_guard lock(mutex_);
    return peak_;
  }

 private:
  absl::Notification stop_;
  std::mutex mutex_;
  double peak_ = 0;
  std::thread thread_;
};

int Fail(absl::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "bench_sync: %s: %s\n", std::string(what).c_str(),
               status.ToString().c_str());
  return 1;
}

std::string ProjectsTaskId(int task) { return absl::StrCat("17000000", 10000 + task); }

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int seconds = 5;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--quick") {
      quick = true;
      seconds = 1;
    } else if (!absl::ConsumePrefix(&arg, "--seconds=") || !absl::SimpleAtoi(arg, &seconds) ||
               seconds <= 0) {
      std::fprintf(stderr, "usage: %s [--quick] [--seconds=N (per kind and concurrency)]\n",
                   argv[0]);
      return 2;
    }
  }
  auto database = crmsync::testing::TestDatabase::Create();
  if (!database.ok()) return Fail("database (run under pg_virtualenv)", database.status());

  std::fprintf(stderr, "starting crmsync-auth, crmsync-mapping and crmsync-sync\n");
  auto auth = crmsync::bench::StartAuth((*database)->url());
  if (!auth.ok()) return Fail("crmsync-auth", auth.status());
  const std::string auth_address = "--auth_address=" + auth->address;
  auto mapping = StartService("crmsync-mapping", (*database)->url(), {auth_address});
  if (!mapping.ok()) return Fail("crmsync-mapping", mapping.status());
  {
    auto stub = crmsync::mapping::v1::MappingService::NewStub(mapping->channel);
    crmsync::mapping::v1::UpsertPortalRequest request;
    request.mutable_portal()->set_portal_id(kPortal);
    request.mutable_portal()->set_name("Bench");
    request.mutable_portal()->set_crm_org_id("20050");
    crmsync::mapping::v1::UpsertPortalResponse response;
    grpc::ClientContext context;
    const grpc::Status status = stub->UpsertPortal(&context, request, &response);
    if (!status.ok()) return Fail("UpsertPortal", absl::UnknownError(status.error_message()));
  }
  auto server = StartService("crmsync-sync", (*database)->url(),
                             {auth_address, "--mapping_address=" + mapping->address});
  if (!server.ok()) return Fail("crmsync-sync", server.status());
  const pid_t sync_pid = server->process->pid();
  auto stub = sync::v1::SyncService::NewStub(server->channel);

  // The tasks, linked through the store on the schema the binary migrated, each with a title
  // set an hour before the changes' source times.
  crmsync::pg::PoolOptions options;
  options.database_url = (*database)->url();
  options.schema = "sync";
  options.statements = sync::Queries();
  auto pool = crmsync::pg::Pool::Create(options);
  if (!pool.ok()) return Fail("pool", pool.status());
  sync::PgStore store(**pool);
  const absl::Time base = absl::Now();
  for (int task = 0; task < kTasks; ++task) {
    sync::TaskLink link;
    link.portal_id = kPortal;
    link.project_id = "1700000000001";
    link.projects_task_id = ProjectsTaskId(task);
    link.crm_task_id = absl::StrCat("60000000", 10000 + task);
    link.crm_module = sync::CrmModule::kAccounts;
    link.crm_record_id = "6000000000077";
    link.state = sync::LinkState::kActive;
    const absl::Time set = base - absl::Hours(1);
    auto linked = store.CreateLink(
        link,
        {{sync::Field::kTitle, sync::FieldState{absl::StrCat("Bench task ", task), 1,
                                                sync::Side::kProjects, set, "seed"}}},
        set);
    if (!linked.ok()) return Fail("CreateLink", linked.status());
  }
  std::fprintf(stderr, "linked %d tasks\n", kTasks);
  const double idle_mib = ResidentMiB(sync_pid);

  // Change n retitles task n mod 1000 with event id bench-n, modified n ms after `base`: each
  // task's changes carry increasing source times, so every one is newer than the title it sets.
  std::atomic<int64_t> next_change{0};
  std::atomic<int64_t> applied{0};
  const Call submit = [&](int) -> std::string {
    const int64_t n = next_change++;
    const int task = static_cast<int>(n % kTasks);
    sync::v1::SubmitChangeRequest request;
    sync::v1::TaskChange& change = *request.mutable_change();
    change.set_portal_id(kPortal);
    change.set_origin_side(crmsync::common::v1::SIDE_PROJECTS);
    change.set_event_id(absl::StrCat("bench-", n));
    change.set_task_id(ProjectsTaskId(task));
    change.mutable_fields()->set_title(absl::StrCat("Bench task ", task, " revision ", n));
    change.mutable_actor()->set_user_id("1700000000077");
    *change.mutable_source_modified_time() =
        crmsync::ToProtoTimestamp(base + absl::Milliseconds(n));
    sync::v1::SubmitChangeResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    const grpc::Status status = stub->SubmitChange(&context, request, &response);
    if (!status.ok()) {
      return absl::StrCat("SubmitChange: code ", status.error_code(), ": ", status.error_message());
    }
    if (response.outcome().result() != sync::v1::OUTCOME_APPLIED) {
      return absl::StrCat("SubmitChange: ", sync::v1::Outcome_Name(response.outcome().result()),
                          " ", response.outcome().message());
    }
    ++applied;
    return "";
  };

  // The baseline: one connection per thread, each INSERT its own transaction (BEGIN, INSERT,
  // COMMIT), as PostgreSQL commits it with the server's defaults (synchronous_commit on).
  std::vector<std::unique_ptr<pqxx::connection>> connections;
  try {
    pqxx::connection admin((*database)->url());
    pqxx::work tx(admin);
    tx.exec(
        "CREATE SCHEMA bench; CREATE TABLE bench.plain_inserts (id bigint GENERATED ALWAYS AS "
        "IDENTITY PRIMARY KEY, title text NOT NULL, create_time timestamptz NOT NULL)");
    tx.commit();
    for (int t = 0; t < 32; ++t) {
      connections.push_back(std::make_unique<pqxx::connection>((*database)->url()));
      connections.back()->prepare(
          "insert", "INSERT INTO bench.plain_inserts (title, create_time) VALUES ($1, now())");
    }
  } catch (const std::exception& e) {
    return Fail("baseline table and connections", absl::UnknownError(e.what()));
  }
  std::atomic<int64_t> next_insert{0};
  const Call insert = [&](int thread) -> std::string {
    try {
      pqxx::work tx(*connections[thread]);
      tx.exec_prepared("insert", absl::StrCat("Bench task revision ", next_insert++));
      tx.commit();
      return "";
    } catch (const std::exception& e) {
      return absl::StrCat("INSERT: ", e.what());
    }
  };

  int failures = 0;
  {
    std::fprintf(stderr, "warming up (1 s each at concurrency 8)\n");
    Samples warm_up;
    crmsync::bench::Run(8, absl::Seconds(1), submit, warm_up);
    crmsync::bench::Run(8, absl::Seconds(1), insert, warm_up);
    if (warm_up.failures > 0) {
      std::printf("warm-up: %d failed calls, the first: %s\n", warm_up.failures,
                  warm_up.first_failure.c_str());
    }
    failures += warm_up.failures;
  }

  std::printf(
      "crmsync-sync SubmitChange (Projects-origin title, %d linked tasks, every change APPLIED) vs "
      "a plain one-row INSERT transaction (libpqxx), %d s of each per concurrency%s\n",
      kTasks, seconds, quick ? " (--quick)" : "");
  std::printf("%-11s | %-31s | %-31s | %-5s | %-13s | %s\n", "concurrency",
              "SubmitChange changes/s p50 p99", "plain INSERT tx/s p50 p99", "ratio", "p99 < 20 ms",
              "failed (change, insert)");
  double peak_mib = 0;
  Figures at32_change, at32_insert;
  for (int concurrency : {1, 8, 32}) {
    Samples change_samples, insert_samples;
    PeakResident resident(sync_pid);
    const int slices = static_cast<int>(absl::Seconds(seconds) / kSlice);
    for (int slice = 0; slice < slices; ++slice) {
      // Alternating which goes first, so both see the same background load.
      const bool change_first = slice % 2 == 0;
      crmsync::bench::Run(concurrency, kSlice, change_first ? submit : insert,
                          change_first ? change_samples : insert_samples);
      crmsync::bench::Run(concurrency, kSlice, change_first ? insert : submit,
                          change_first ? insert_samples : change_samples);
      std::fprintf(stderr, "  concurrency %d: %.1f of %d s each, %zu changes, %zu inserts\n",
                   concurrency, (slice + 1) * absl::ToDoubleSeconds(kSlice), seconds,
                   change_samples.latencies.size(), insert_samples.latencies.size());
    }
    peak_mib = std::max(peak_mib, resident.peak());
    const Figures change = crmsync::bench::Summarize(change_samples);
    const Figures plain = crmsync::bench::Summarize(insert_samples);
    const double ratio = plain.per_second > 0 ? change.per_second / plain.per_second : 0.0;
    std::printf("%-11d | %9.0f %8.2fms %8.2fms | %9.0f %8.2fms %8.2fms | %5.2f | %-13s | %d, %d\n",
                concurrency, change.per_second, absl::ToDoubleMilliseconds(change.p50),
                absl::ToDoubleMilliseconds(change.p99), plain.per_second,
                absl::ToDoubleMilliseconds(plain.p50), absl::ToDoubleMilliseconds(plain.p99), ratio,
                Verdict(change.p99 < kP99Target), change_samples.failures, insert_samples.failures);
    for (const Samples* samples : {&change_samples, &insert_samples}) {
      if (samples->failures > 0) {
        std::printf("  first failure: %s\n", samples->first_failure.c_str());
      }
    }
    failures += change_samples.failures + insert_samples.failures;
    if (concurrency == 32) {
      at32_change = change;
      at32_insert = plain;
    }
  }
  const double ratio32 =
      at32_insert.per_second > 0 ? at32_change.per_second / at32_insert.per_second : 0.0;
  std::printf("target at concurrency 32: changes/s >= %.1f x plain INSERT: %.2f, %s\n",
              kRatioTarget, ratio32, Verdict(ratio32 >= kRatioTarget));
  std::printf("target at concurrency 32: SubmitChange p99 < %.0f ms: %.2f ms, %s\n",
              absl::ToDoubleMilliseconds(kP99Target), absl::ToDoubleMilliseconds(at32_change.p99),
              Verdict(at32_change.p99 < kP99Target));
  std::printf(
      "crmsync-sync resident memory (VmRSS): idle %.1f MiB, under load peak %.1f MiB (target < "
      "%.0f MB): %s\n",
      idle_mib, peak_mib, kResidentTargetMiB, Verdict(peak_mib < kResidentTargetMiB));

  // Each APPLIED outcome was committed: one change-log entry per change the service applied.
  try {
    pqxx::connection check((*database)->url());
    pqxx::read_transaction tx(check);
    const int64_t logged =
        tx.exec1("SELECT count(*) FROM sync.change_log WHERE event_id LIKE 'bench-%'")[0]
            .as<int64_t>();
    std::printf("committed: %lld change-log entries for %lld APPLIED outcomes, %s\n",
                static_cast<long long>(logged), static_cast<long long>(applied.load()),
                logged == applied ? "all" : "MISMATCH");
    if (logged != applied) ++failures;
  } catch (const std::exception& e) {
    return Fail("change log count", absl::UnknownError(e.what()));
  }

  stub.reset();
  server->channel.reset();
  if (auto stopped = server->process->Terminate(absl::Seconds(15)); !stopped.ok()) {
    return Fail("crmsync-sync stop", stopped.status());
  }
  if (failures > 0) {
    std::fprintf(stderr, "bench_sync: %d calls failed or were not APPLIED\n", failures);
    return 1;
  }
  return 0;
}

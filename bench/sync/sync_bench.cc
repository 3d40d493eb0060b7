// The sync service's hot path: SubmitChange of Projects-origin title changes to the real
// crmsync-sync binary (its portal configured in a real crmsync-mapping, which sync reads the
// portal's value maps from) over 1,000 tasks linked through the sync store, at concurrency 1, 8
// and 32. Every change carries a new event id and a newer source time, so each one must come back
// APPLIED and be committed (checked against the change log at the end). Beside it, in interleaved
// half-second slices of the same run against the same PostgreSQL, a plain one-row INSERT
// transaction over libpqxx, one connection per thread. Prints changes/s, p50, p99, the INSERT
// rate and the ratio, each beside its target, and crmsync-sync's resident memory idle and its
// peak under the load (VmHWM since it became idle). Exits 1 when a call fails or a change is not
// APPLIED; a missed target is printed, not an error.
//
//   pg_virtualenv -t -v 15 build/bin/bench_sync [--quick] [--seconds=N]
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
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
using crmsync::bench::Report;
using crmsync::bench::ReportMemory;
using crmsync::bench::Samples;
using crmsync::bench::Service;
using crmsync::bench::StartService;
using crmsync::bench::Verdict;

constexpr char kPortal[] = "1001";
constexpr int kTasks = 1000;
// The targets at concurrency 32, and of the service's memory under that load.
constexpr crmsync::bench::Target kRatioTarget = crmsync::bench::AtLeast(0.5);
constexpr crmsync::bench::Target kP99Target = crmsync::bench::Below(20, "ms");
constexpr crmsync::bench::Target kResidentTarget = crmsync::bench::Below(100, "MB");
constexpr absl::Duration kSlice = absl::Milliseconds(500);

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

  crmsync::bench::Progress("starting crmsync-auth, crmsync-mapping and crmsync-sync");
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
        {{sync::Field::kTitle,
          sync::FieldState{
              absl::StrCat("Bench task ", task), 1, sync::Side::kProjects, set, "seed", {}}}},
        set);
    if (!linked.ok()) return Fail("CreateLink", linked.status());
  }
  crmsync::bench::Progress(absl::StrCat("linked ", kTasks, " tasks"));

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
    crmsync::bench::Progress("warming up (1 s each at concurrency 8)");
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
  Figures at32_change, at32_insert;
  for (int concurrency : {1, 8, 32}) {
    Samples change_samples, insert_samples;
    const int slices = static_cast<int>(absl::Seconds(seconds) / kSlice);
    for (int slice = 0; slice < slices; ++slice) {
      // Alternating which goes first, so both see the same background load.
      const bool change_first = slice % 2 == 0;
      crmsync::bench::Run(concurrency, kSlice, change_first ? submit : insert,
                          change_first ? change_samples : insert_samples);
      crmsync::bench::Run(concurrency, kSlice, change_first ? insert : submit,
                          change_first ? insert_samples : change_samples);
      crmsync::bench::Progress(
          absl::StrFormat("concurrency %d: %.1f of %d s each, %zu changes, %zu inserts",
                          concurrency, (slice + 1) * absl::ToDoubleSeconds(kSlice), seconds,
                          change_samples.latencies.size(), insert_samples.latencies.size()));
    }
    const Figures change = crmsync::bench::Summarize(change_samples);
    const Figures plain = crmsync::bench::Summarize(insert_samples);
    const double ratio = plain.per_second > 0 ? change.per_second / plain.per_second : 0.0;
    std::printf("%-11d | %9.0f %8.2fms %8.2fms | %9.0f %8.2fms %8.2fms | %5.2f | %-13s | %d, %d\n",
                concurrency, change.per_second, absl::ToDoubleMilliseconds(change.p50),
                absl::ToDoubleMilliseconds(change.p99), plain.per_second,
                absl::ToDoubleMilliseconds(plain.p50), absl::ToDoubleMilliseconds(plain.p99), ratio,
                Verdict(kP99Target.MetBy(absl::ToDoubleMilliseconds(change.p99))),
                change_samples.failures, insert_samples.failures);
    const bool targeted = concurrency == 32;
    Report(absl::StrCat("SubmitChange rate, concurrency ", concurrency), change.per_second,
           "changes/s", 0);
    Report(absl::StrCat("SubmitChange rate / plain INSERT rate, concurrency ", concurrency), ratio,
           "", 2, targeted ? std::optional(kRatioTarget) : std::nullopt,
           absl::StrFormat("plain INSERT %.0f tx/s", plain.per_second));
    Report(absl::StrCat("SubmitChange p99, concurrency ", concurrency),
           absl::ToDoubleMilliseconds(change.p99), "ms", 2,
           targeted ? std::optional(kP99Target) : std::nullopt);
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
  std::printf("target at concurrency 32: changes/s %s x plain INSERT: %.2f, %s\n",
              kRatioTarget.Text().c_str(), ratio32, Verdict(kRatioTarget.MetBy(ratio32)));
  std::printf("target at concurrency 32: SubmitChange p99 %s: %.2f ms, %s\n",
              kP99Target.Text().c_str(), absl::ToDoubleMilliseconds(at32_change.p99),
              Verdict(kP99Target.MetBy(absl::ToDoubleMilliseconds(at32_change.p99))));
  const std::string load = "SubmitChange at concurrency 1, 8, 32";
  const crmsync::bench::Memory loaded = ReportMemory(*server, load);
  for (const Service* other : {&*auth, &*mapping}) ReportMemory(*other, load);
  const double peak_mb = loaded.peak_kib * 1024 / 1e6;
  std::printf(
      "crmsync-sync resident memory (VmRSS): idle %.1f MiB, under load peak %.1f MiB = %.1f MB "
      "(target %s): %s\n",
      server->idle.resident_kib / 1024.0, loaded.peak_kib / 1024.0, peak_mb,
      kResidentTarget.Text().c_str(), Verdict(kResidentTarget.MetBy(peak_mb)));
  Report("crmsync-sync peak resident memory under SubmitChange load", peak_mb, "MB", 1,
         kResidentTarget);

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

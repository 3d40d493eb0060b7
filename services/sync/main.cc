#include <memory>

#include "absl/flags/flag.h"
#include "libs/common/clock.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "libs/grpc_server/runtime.h"
#include "libs/http/http_client.h"
#include "services/sync/mapping_reads.h"
#include "services/sync/metrics.h"
#include "services/sync/pipeline.h"
#include "services/sync/projects_reads.h"
#include "services/sync/schema.h"
#include "services/sync/store/pg_store.h"
#include "services/sync/sync_server.h"

ABSL_FLAG(std::string, mapping_address, "",
          "host:port of crmsync-mapping, which gives the portals' settings and user links; "
          "empty: the change RPCs are FAILED_PRECONDITION.");
ABSL_FLAG(absl::Duration, portal_cache_ttl, absl::Seconds(5),
          "How long a portal's settings read from mapping are used before reading them again.");
ABSL_FLAG(std::string, auth_address, "",
          "host:port of crmsync-auth, which vends the Zoho tokens the rules read Projects with; "
          "empty: a change a rule must check is FAILED_PRECONDITION.");
ABSL_FLAG(std::string, auth_caller_token, "",
          "Caller token presented to auth (set it through CRMSYNC_AUTH_CALLER_TOKEN).");
ABSL_FLAG(std::string, projects_api_url, "https://projectsapi.zoho.com",
          "Base URL of the Zoho Projects API (its data centre's host).");
ABSL_FLAG(absl::Duration, zoho_timeout, absl::Seconds(10),
          "Total timeout of one read from Zoho Projects by a rule.");

namespace {

constexpr char kSummary[] =
    "crmsync-sync: two-way sync of task fields and comments between Zoho Projects and Zoho CRM, "
    "with the integration's rules.";

// Stands in for a service the flags leave unset: every read is FAILED_PRECONDITION naming it.
class Unconfigured : public crmsync::sync::PortalSettingsSource,
                     public crmsync::sync::UserDirectory,
                     public crmsync::sync::ProjectsState {
 public:
  absl::StatusOr<crmsync::sync::PortalConfig> Get(absl::string_view) override {
    return absl::FailedPreconditionError("sync runs without --mapping_address: no portal settings");
  }
  absl::StatusOr<std::optional<crmsync::sync::Owner>> OwnerById(absl::string_view,
                                                                crmsync::sync::Side,
                                                                absl::string_view) override {
    return absl::FailedPreconditionError("sync runs without --mapping_address: no user links");
  }
  absl::StatusOr<crmsync::sync::ProjectSchedule> Schedule(absl::string_view,
                                                          absl::string_view) override {
    return NoAuth();
  }
  absl::StatusOr<crmsync::sync::ParentTask> Task(absl::string_view, absl::string_view,
                                                 absl::string_view) override {
    return NoAuth();
  }

 private:
  static absl::Status NoAuth() {
    return absl::FailedPreconditionError(
        "sync runs without --auth_address: Zoho Projects cannot be read for the rules");
  }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace crmsync::sync;  // NOLINT(build/namespaces): main assembles this service
  crmsync::ParseCommandLineOrExit(argc, argv, kSummary);
  auto options = crmsync::RuntimeOptionsFromFlags("sync");
  if (!options.ok()) return crmsync::ExitWithUsageError(options.status());
  if (options->migrate_only) return crmsync::MigrateOnly(*options, SyncSchema());
  if (absl::GetFlag(FLAGS_portal_cache_ttl) < absl::ZeroDuration()) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--portal_cache_ttl: must not be negative"));
  }
  if (absl::GetFlag(FLAGS_zoho_timeout) <= absl::ZeroDuration()) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--zoho_timeout: must be positive"));
  }

  auto runtime = crmsync::Runtime::Create(*options, SyncSchema());
  if (!runtime.ok()) return crmsync::ExitWithError(runtime.status());
  crmsync::Runtime& rt = **runtime;
  const crmsync::Clock& clock = crmsync::RealClock();
  PgStore store(rt.pool());
  SyncMetrics metrics(rt.registry());

  Unconfigured unconfigured;
  std::unique_ptr<MappingReads> mapping;
  PortalSettingsSource* portals = &unconfigured;
  UserDirectory* users = &unconfigured;
  if (!absl::GetFlag(FLAGS_mapping_address).empty()) {
    mapping = std::make_unique<MappingReads>(absl::GetFlag(FLAGS_mapping_address), clock,
                                             absl::GetFlag(FLAGS_portal_cache_ttl));
    portals = mapping.get();
    users = mapping.get();
  }
  crmsync::http::CurlHttpClient curl({.total_timeout = absl::GetFlag(FLAGS_zoho_timeout)});
  std::unique_ptr<ZohoProjectsState> zoho;
  ProjectsState* projects = &unconfigured;
  if (!absl::GetFlag(FLAGS_auth_address).empty()) {
    zoho = std::make_unique<ZohoProjectsState>(absl::GetFlag(FLAGS_auth_address),
                                               absl::GetFlag(FLAGS_auth_caller_token), curl,
                                               absl::GetFlag(FLAGS_projects_api_url));
    projects = zoho.get();
  }
  crmsync::LogInfo("sync reads", {{"mapping_address", absl::GetFlag(FLAGS_mapping_address)},
                                  {"auth_address", absl::GetFlag(FLAGS_auth_address)},
                                  {"projects_api_url", absl::GetFlag(FLAGS_projects_api_url)}});

  ChangePipeline pipeline(store, *portals, *users, *projects, clock);
  SyncServer server(pipeline, store, clock, metrics, [&rt] { return rt.serving(); });
  rt.AddService(&server, v1::SyncService::service_full_name());
  if (auto status = rt.Start(); !status.ok()) return crmsync::ExitWithError(status);
  rt.WaitForShutdown();
  return 0;
}

#include "absl/flags/flag.h"
#include "libs/common/clock.h"
#include "libs/common/flags.h"
#include "libs/grpc_server/runtime.h"
#include "services/mapping/mapping_server.h"
#include "services/mapping/metrics.h"
#include "services/mapping/pg_store.h"
#include "services/mapping/schema.h"

ABSL_FLAG(absl::Duration, portal_cache_ttl, absl::Seconds(5),
          "How long GetPortal answers a portal from memory; 0 reads the database every time.");

namespace {
constexpr char kSummary[] =
    "crmsync-mapping: maps client accounts to CRM accounts, deals to projects, and users across "
    "Zoho Projects and Zoho CRM.";
}  // namespace

int main(int argc, char** argv) {
  using namespace crmsync::mapping;  // NOLINT(build/namespaces): main assembles this service
  crmsync::ParseCommandLineOrExit(argc, argv, kSummary);
  auto options = crmsync::RuntimeOptionsFromFlags("mapping");
  if (!options.ok()) return crmsync::ExitWithUsageError(options.status());
  if (options->migrate_only) return crmsync::MigrateOnly(*options, MappingSchema());
  const absl::Duration portal_cache_ttl = absl::GetFlag(FLAGS_portal_cache_ttl);
  if (portal_cache_ttl < absl::ZeroDuration()) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--portal_cache_ttl: must not be negative"));
  }

  auto runtime = crmsync::Runtime::Create(*options, MappingSchema());
  if (!runtime.ok()) return crmsync::ExitWithError(runtime.status());
  crmsync::Runtime& rt = **runtime;
  PgStore store(rt.pool());
  MappingMetrics metrics(rt.registry());
  MappingServer server(store, crmsync::RealClock(), metrics, portal_cache_ttl,
                       [&rt] { return rt.serving(); });
  rt.AddService(&server, v1::MappingService::service_full_name());
  if (auto status = rt.Start(); !status.ok()) return crmsync::ExitWithError(status);
  rt.WaitForShutdown();
  return 0;
}

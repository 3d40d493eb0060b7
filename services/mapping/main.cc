#include <memory>

#include "absl/flags/flag.h"
#include "libs/common/clock.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "libs/grpc_server/runtime.h"
#include "libs/http/http_client.h"
#include "libs/http/retry.h"
#include "services/mapping/auth_access_tokens.h"
#include "services/mapping/directory_import.h"
#include "services/mapping/mapping_server.h"
#include "services/mapping/metrics.h"
#include "services/mapping/pg_store.h"
#include "services/mapping/schema.h"

ABSL_FLAG(absl::Duration, portal_cache_ttl, absl::Seconds(5),
          "How long GetPortal answers a portal from memory; 0 reads the database every time.");
ABSL_FLAG(std::string, auth_address, "",
          "host:port of crmsync-auth, which vends the Zoho tokens ImportDirectory reads with; "
          "empty: ImportDirectory is FAILED_PRECONDITION.");
ABSL_FLAG(std::string, auth_caller_token, "",
          "Caller token presented to auth; environment only (CRMSYNC_AUTH_CALLER_TOKEN).");
CRMSYNC_ENVIRONMENT_ONLY_FLAG(auth_caller_token);
ABSL_FLAG(std::string, projects_api_url, "https://projectsapi.zoho.com",
          "Base URL of the Zoho Projects API (its data centre's host).");
ABSL_FLAG(absl::Duration, zoho_timeout, absl::Seconds(30), "Total timeout of one call to Zoho.");

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
  if (absl::GetFlag(FLAGS_zoho_timeout) <= absl::ZeroDuration()) {
    return crmsync::ExitWithUsageError(
        absl::InvalidArgumentError("--zoho_timeout: must be positive"));
  }

  auto runtime = crmsync::Runtime::Create(*options, MappingSchema());
  if (!runtime.ok()) return crmsync::ExitWithError(runtime.status());
  crmsync::Runtime& rt = **runtime;
  PgStore store(rt.pool());
  MappingMetrics metrics(rt.registry());
  const crmsync::Clock& clock = crmsync::RealClock();

  crmsync::http::CurlHttpClient curl({.total_timeout = absl::GetFlag(FLAGS_zoho_timeout)});
  // Retries Zoho's 429 (honouring Retry-After) and 5xx before an import part gives up.
  crmsync::http::RetryingHttpClient http(curl, crmsync::http::RetryPolicy{});
  std::unique_ptr<AuthAccessTokens> tokens;
  std::unique_ptr<DirectoryImporter> importer;
  if (!absl::GetFlag(FLAGS_auth_address).empty()) {
    tokens = std::make_unique<AuthAccessTokens>(absl::GetFlag(FLAGS_auth_address),
                                                absl::GetFlag(FLAGS_auth_caller_token));
    importer = std::make_unique<DirectoryImporter>(
        store, *tokens, http, absl::GetFlag(FLAGS_projects_api_url), clock, metrics);
  }
  crmsync::LogInfo(importer ? "directory import through auth" : "directory import disabled",
                   {{"auth_address", absl::GetFlag(FLAGS_auth_address)},
                    {"projects_api_url", absl::GetFlag(FLAGS_projects_api_url)}});
  MappingServer server(store, clock, metrics, portal_cache_ttl, importer.get(),
                       [&rt] { return rt.serving(); });
  rt.AddService(&server, v1::MappingService::service_full_name());
  if (auto status = rt.Start(); !status.ok()) return crmsync::ExitWithError(status);
  rt.WaitForShutdown();
  return 0;
}

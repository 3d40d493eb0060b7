#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "libs/common/flags.h"
#include "libs/grpc_server/runtime.h"
#include "services/mapping/schema.h"

namespace {
constexpr char kSummary[] =
    "crmsync-mapping: maps client accounts to CRM accounts, deals to projects, and users across "
    "Zoho Projects and Zoho CRM.";
}  // namespace

int main(int argc, char** argv) {
  crmsync::ParseCommandLineOrExit(argc, argv, kSummary);
  auto options = crmsync::RuntimeOptionsFromFlags("mapping");
  if (!options.ok()) return crmsync::ExitWithUsageError(options.status());
  if (options->migrate_only)
    return crmsync::MigrateOnly(*options, crmsync::mapping::MappingSchema());
  auto runtime = crmsync::Runtime::Create(*options, crmsync::mapping::MappingSchema());
  if (!runtime.ok()) return crmsync::ExitWithError(runtime.status());
  // The generated base class answers UNIMPLEMENTED to every RPC.
  crmsync::mapping::v1::MappingService::Service service;
  (*runtime)->AddService(&service, crmsync::mapping::v1::MappingService::service_full_name());
  if (auto status = (*runtime)->Start(); !status.ok()) return crmsync::ExitWithError(status);
  (*runtime)->WaitForShutdown();
  return 0;
}

#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "libs/common/flags.h"
#include "libs/grpc_server/runtime.h"
#include "services/sync/schema.h"

namespace {
constexpr char kSummary[] =
    "crmsync-sync: two-way sync of task fields and comments between Zoho Projects and Zoho CRM, "
    "with the integration's rules.";
}  // namespace

int main(int argc, char** argv) {
  crmsync::ParseCommandLineOrExit(argc, argv, kSummary);
  auto options = crmsync::RuntimeOptionsFromFlags("sync");
  if (!options.ok()) return crmsync::ExitWithUsageError(options.status());
  if (options->migrate_only) return crmsync::MigrateOnly(*options, crmsync::sync::SyncSchema());
  auto runtime = crmsync::Runtime::Create(*options, crmsync::sync::SyncSchema());
  if (!runtime.ok()) return crmsync::ExitWithError(runtime.status());
  // The generated base class answers UNIMPLEMENTED to every RPC.
  crmsync::sync::v1::SyncService::Service service;
  (*runtime)->AddService(&service, crmsync::sync::v1::SyncService::service_full_name());
  if (auto status = (*runtime)->Start(); !status.ok()) return crmsync::ExitWithError(status);
  (*runtime)->WaitForShutdown();
  return 0;
}

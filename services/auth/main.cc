#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "libs/common/flags.h"
#include "libs/grpc_server/runtime.h"
#include "services/auth/schema.h"

namespace {
constexpr char kSummary[] =
    "crmsync-auth: vends OAuth access tokens for the Zoho APIs (one shared token per grant, "
    "refreshed ahead; secrets encrypted at rest).";
}  // namespace

int main(int argc, char** argv) {
  crmsync::ParseCommandLineOrExit(argc, argv, kSummary);
  auto options = crmsync::RuntimeOptionsFromFlags("auth");
  if (!options.ok()) return crmsync::ExitWithUsageError(options.status());
  if (options->migrate_only) return crmsync::MigrateOnly(*options, crmsync::auth::AuthSchema());
  auto runtime = crmsync::Runtime::Create(*options, crmsync::auth::AuthSchema());
  if (!runtime.ok()) return crmsync::ExitWithError(runtime.status());
  // The generated base class answers UNIMPLEMENTED to every RPC.
  crmsync::auth::v1::AuthService::Service service;
  (*runtime)->AddService(&service, crmsync::auth::v1::AuthService::service_full_name());
  if (auto status = (*runtime)->Start(); !status.ok()) return crmsync::ExitWithError(status);
  (*runtime)->WaitForShutdown();
  return 0;
}

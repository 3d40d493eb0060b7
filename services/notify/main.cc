#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "libs/common/flags.h"
#include "libs/grpc_server/runtime.h"
#include "services/notify/schema.h"

namespace {
constexpr char kSummary[] =
    "crmsync-notify: sends the emails that tell a person why their change failed, exactly once.";
}  // namespace

int main(int argc, char** argv) {
  crmsync::ParseCommandLineOrExit(argc, argv, kSummary);
  auto options = crmsync::RuntimeOptionsFromFlags("notify");
  if (!options.ok()) return crmsync::ExitWithUsageError(options.status());
  if (options->migrate_only) return crmsync::MigrateOnly(*options, crmsync::notify::NotifySchema());
  auto runtime = crmsync::Runtime::Create(*options, crmsync::notify::NotifySchema());
  if (!runtime.ok()) return crmsync::ExitWithError(runtime.status());
  // The generated base class answers UNIMPLEMENTED to every RPC.
  crmsync::notify::v1::NotifyService::Service service;
  (*runtime)->AddService(&service, crmsync::notify::v1::NotifyService::service_full_name());
  if (auto status = (*runtime)->Start(); !status.ok()) return crmsync::ExitWithError(status);
  (*runtime)->WaitForShutdown();
  return 0;
}

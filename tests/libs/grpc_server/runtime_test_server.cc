// A service on the shared runtime whose calls a test controls, to watch the runtime drain, log
// failures and report health as an operator would, from outside the process:
//   MappingService.GetPortal   holds the call until the file named by portal_id exists (then OK)
//                              or the call is cancelled; logs "call held" first. A portal_id
//                              "ignore-cancellation:<file>" holds it until <file> exists only.
//   MappingService.ListPortals answers INTERNAL; UpsertPortal answers UNKNOWN; GetProject answers
//                              OK (whatever the request's size).
// Background task "obedient" logs "task stopped" when told to stop; with --stuck_task, task
// "stuck" never returns. With --startup_file, startup step "startup file" fails until that file
// exists. Callers are judged by the test caller tokens (tests/support/callers); the four methods
// need READER.
#include <filesystem>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "libs/grpc_server/runtime.h"
#include "tests/support/callers/callers.h"

ABSL_FLAG(bool, stuck_task, false, "Also run a background task that ignores the stop.");
ABSL_FLAG(std::string, startup_file, "", "A startup step fails until this file exists.");

namespace {

constexpr char kSummary[] = "runtime_test_server: a test service on the crmsync runtime.";

class ControlledService : public crmsync::mapping::v1::MappingService::Service {
 public:
  grpc::Status GetPortal(grpc::ServerContext* context,
                         const crmsync::mapping::v1::GetPortalRequest* request,
                         crmsync::mapping::v1::GetPortalResponse*) override {
    crmsync::LogInfo("call held", {{"release_file", request->portal_id()}});
    absl::string_view release_file = request->portal_id();
    const bool ignore_cancellation = absl::ConsumePrefix(&release_file, "ignore-cancellation:");
    // The file is made by another process: no notification to wait on but the file system.
    while (!std::filesystem::exists(std::string(release_file))) {
      if (!ignore_cancellation && context->IsCancelled()) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return grpc::Status::OK;
  }
  grpc::Status ListPortals(grpc::ServerContext*, const crmsync::mapping::v1::ListPortalsRequest*,
                           crmsync::mapping::v1::ListPortalsResponse*) override {
    return grpc::Status(grpc::StatusCode::INTERNAL, "portal table unreadable");
  }
  grpc::Status UpsertPortal(grpc::ServerContext*, const crmsync::mapping::v1::UpsertPortalRequest*,
                            crmsync::mapping::v1::UpsertPortalResponse*) override {
    return grpc::Status(grpc::StatusCode::UNKNOWN, "unexpected reply from upstream");
  }
  grpc::Status GetProject(grpc::ServerContext*, const crmsync::mapping::v1::GetProjectRequest*,
                          crmsync::mapping::v1::GetProjectResponse*) override {
    return grpc::Status::OK;
  }
};

const std::vector<crmsync::EmbeddedFile> kNoFiles;

}  // namespace

int main(int argc, char** argv) {
  crmsync::ParseCommandLineOrExit(argc, argv, kSummary);
  auto options = crmsync::RuntimeOptionsFromFlags("runtime_test");
  if (!options.ok()) return crmsync::ExitWithUsageError(options.status());
  auto runtime = crmsync::Runtime::Create(*options, {kNoFiles, kNoFiles});
  if (!runtime.ok()) return crmsync::ExitWithError(runtime.status());
  ControlledService service;
  (*runtime)->AddService(&service, crmsync::mapping::v1::MappingService::service_full_name());
  crmsync::testing::TestCallers callers;
  crmsync::MethodRoles roles;
  for (const char* method : {"GetPortal", "ListPortals", "UpsertPortal", "GetProject"}) {
    roles[absl::StrCat("/crmsync.mapping.v1.MappingService/", method)] =
        crmsync::CallerRole::kReader;
  }
  (*runtime)->SetCallerAuthentication(callers, std::move(roles));
  (*runtime)->AddBackgroundTask("obedient", [](const absl::Notification& stop) {
    stop.WaitForNotification();
    crmsync::LogInfo("task stopped", {{"task", "obedient"}});
  });
  if (const std::string file = absl::GetFlag(FLAGS_startup_file); !file.empty()) {
    (*runtime)->AddStartupStep("startup file", [file] {
      return std::filesystem::exists(file) ? absl::OkStatus()
                                           : absl::UnavailableError("no startup file yet");
    });
  }
  absl::Notification never;
  if (absl::GetFlag(FLAGS_stuck_task)) {
    (*runtime)->AddBackgroundTask(
        "stuck", [&never](const absl::Notification&) { never.WaitForNotification(); });
  }
  if (auto status = (*runtime)->Start(); !status.ok()) return crmsync::ExitWithError(status);
  (*runtime)->WaitForShutdown();
  return 0;
}

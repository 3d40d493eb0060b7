#include "absl/strings/str_cat.h"
#include "libs/auth_client/remote_authenticator.h"
#include "libs/common/clock.h"
#include "libs/common/flags.h"
#include "libs/common/log.h"
#include "libs/grpc_server/runtime.h"
#include "libs/work_queue/pg_work_queue.h"
#include "services/notify/email.h"
#include "services/notify/method_roles.h"
#include "services/notify/metrics.h"
#include "services/notify/notify_options.h"
#include "services/notify/notify_server.h"
#include "services/notify/pg_store.h"
#include "services/notify/schema.h"
#include "services/notify/sender.h"

namespace {
constexpr char kSummary[] =
    "crmsync-notify: sends the emails that tell a person why their change failed, exactly once.";
}  // namespace

int main(int argc, char** argv) {
  using namespace crmsync::notify;  // NOLINT(build/namespaces): main assembles this service
  crmsync::ParseCommandLineOrExit(argc, argv, kSummary);
  auto options = crmsync::RuntimeOptionsFromFlags("notify");
  if (!options.ok()) return crmsync::ExitWithUsageError(options.status());
  if (options->migrate_only) return crmsync::MigrateOnly(*options, NotifySchema());
  auto notify = NotifyOptionsFromFlags();
  if (!notify.ok()) return crmsync::ExitWithUsageError(notify.status());
  auto templates = Templates::Load(notify->templates_dir);
  if (!templates.ok()) return crmsync::ExitWithUsageError(templates.status());
  auto retention = crmsync::work_queue::QueueRetentionFromFlags();
  if (!retention.ok()) return crmsync::ExitWithUsageError(retention.status());

  auto auth_address = crmsync::AuthAddressFromFlags();
  if (!auth_address.ok()) return crmsync::ExitWithUsageError(auth_address.status());

  auto runtime = crmsync::Runtime::Create(*options, NotifySchema());
  if (!runtime.ok()) return crmsync::ExitWithError(runtime.status());
  PgStore store((*runtime)->pool());
  NotifyMetrics metrics((*runtime)->registry());
  const crmsync::Clock& clock = crmsync::RealClock();
  crmsync::Runtime& rt = **runtime;
  NotifyServer server(store, *templates, clock, metrics, notify->digest_window,
                      [&rt] { return rt.serving(); });
  (*runtime)->AddService(&server, crmsync::notify::v1::NotifyService::service_full_name());

  crmsync::work_queue::Metrics queue_metrics((*runtime)->registry());
  crmsync::work_queue::PgWorkQueue queue((*runtime)->pool(), kEmailQueue, clock,
                                         EmailRetryPolicy(notify->sender), queue_metrics,
                                         PgStore::QueueHooks());
  SenderOptions sender_options = notify->sender;
  // A send is bounded by the SMTP timeout; the rest covers building the email.
  sender_options.send_bound = notify->smtp.timeout + absl::Seconds(5);
  const TransportFactory transports = [&notify]() {
    return notify->use_smtp ? MakeSmtpTransport(notify->smtp) : MakeFileTransport(notify->mail_dir);
  };
  std::vector<std::unique_ptr<MailSender>> senders;
  for (int i = 0; i < notify->senders; ++i) {
    senders.push_back(std::make_unique<MailSender>(store, queue, *templates, transports(), clock,
                                                   metrics, sender_options));
    (*runtime)->AddBackgroundTask(
        absl::StrCat("sender-", i),
        [sender = senders.back().get()](const absl::Notification& stop) { sender->Run(stop); });
  }
  (*runtime)->AddBackgroundTask("queue-maintenance", [&](const absl::Notification& stop) {
    crmsync::work_queue::Maintain((*runtime)->pool(), clock, queue_metrics,
                                  {.queues = {kEmailQueue},
                                   .metrics_interval = notify->queue_metrics_interval,
                                   .retention = *retention},
                                  stop);
  });
  crmsync::LogInfo("mail transport", {{"transport", notify->use_smtp ? "smtp" : "file"},
                                      {"senders", notify->senders}});
  auto callers = crmsync::VerifyCallersWithAuth(rt, *auth_address, NotifyMethodRoles());
  if (!callers.ok()) return crmsync::ExitWithUsageError(callers.status());
  if (auto status = (*runtime)->Start(); !status.ok()) return crmsync::ExitWithError(status);
  (*runtime)->WaitForShutdown();
  return 0;
}

// The crmsync.sync.v1.SyncWebhookService gRPC adapter: issues a portal's webhook secrets, which
// the receivers (webhook_receiver.h) check Zoho's requests against, and records the portals
// whose CRM watch channels crm_watcher.h keeps registered.
#ifndef CRMSYNC_SERVICES_SYNC_INGEST_WEBHOOK_ADMIN_SERVER_H_
#define CRMSYNC_SERVICES_SYNC_INGEST_WEBHOOK_ADMIN_SERVER_H_

#include "crmsync/sync/v1/webhooks.grpc.pb.h"
#include "libs/common/clock.h"
#include "services/sync/store/inbox_store.h"

namespace crmsync::sync {

class WebhookAdminServer final : public v1::SyncWebhookService::Service {
 public:
  // `store` and `clock` must outlive the server.
  WebhookAdminServer(InboxStore& store, const Clock& clock) : store_(store), clock_(clock) {}

  grpc::Status IssueWebhookSecret(grpc::ServerContext* context,
                                  const v1::IssueWebhookSecretRequest* request,
                                  v1::IssueWebhookSecretResponse* response) override;
  grpc::Status WatchCrmTasks(grpc::ServerContext* context, const v1::WatchCrmTasksRequest* request,
                             v1::WatchCrmTasksResponse* response) override;

 private:
  InboxStore& store_;
  const Clock& clock_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_INGEST_WEBHOOK_ADMIN_SERVER_H_

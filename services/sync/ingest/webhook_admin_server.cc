#include "services/sync/ingest/webhook_admin_server.h"

#include "libs/common/ids.h"
#include "libs/common/log.h"
#include "libs/grpc_server/caller_auth.h"
#include "libs/grpc_server/status.h"
#include "services/sync/ingest/crm_watcher.h"
#include "services/sync/ingest/webhook_receiver.h"

namespace crmsync::sync {

grpc::Status WebhookAdminServer::IssueWebhookSecret(grpc::ServerContext* context,
                                                    const v1::IssueWebhookSecretRequest* request,
                                                    v1::IssueWebhookSecretResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (auto status = CheckRecordId("portal_id", request->portal_id()); !status.ok()) {
    return ToGrpcStatus(status);
  }
  if (request->side() != common::v1::SIDE_CRM && request->side() != common::v1::SIDE_PROJECTS) {
    return ToGrpcStatus(absl::InvalidArgumentError("side: must be SIDE_CRM or SIDE_PROJECTS"));
  }
  const Side side = static_cast<Side>(request->side());
  const std::string secret = NewWebhookSecret();
  if (auto status = store_.SetWebhookSecretDigest(request->portal_id(), side,
                                                  WebhookSecretDigest(secret), clock_.Now());
      !status.ok()) {
    return ToGrpcStatus(status);
  }
  LogInfo("webhook secret issued",
          {{"portal_id", request->portal_id()}, {"side", std::string(SideKey(side))}});
  response->set_secret(secret);
  return grpc::Status::OK;
}

grpc::Status WebhookAdminServer::WatchCrmTasks(grpc::ServerContext* context,
                                               const v1::WatchCrmTasksRequest* request,
                                               v1::WatchCrmTasksResponse* response) {
  CRMSYNC_RETURN_IF_CALLER_REFUSED(context);
  if (auto status = CheckRecordId("portal_id", request->portal_id()); !status.ok()) {
    return ToGrpcStatus(status);
  }
  absl::StatusOr<int64_t> channel =
      store_.AddCrmWatch(request->portal_id(), NewCrmChannelId(), clock_.Now());
  if (!channel.ok()) return ToGrpcStatus(channel.status());
  response->set_channel_id(*channel);
  return grpc::Status::OK;
}

}  // namespace crmsync::sync

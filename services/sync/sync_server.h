// The crmsync.sync.v1.SyncService gRPC adapter: converts requests to the domain, validates them
// (INVALID_ARGUMENT naming the field), runs them through the change pipeline or the store, and
// converts outcomes, states and failure pages back.
#ifndef CRMSYNC_SERVICES_SYNC_SYNC_SERVER_H_
#define CRMSYNC_SERVICES_SYNC_SYNC_SERVER_H_

#include <functional>

#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "libs/common/clock.h"
#include "services/sync/add_to_crm.h"
#include "services/sync/metrics.h"
#include "services/sync/pipeline.h"
#include "services/sync/resync.h"
#include "services/sync/store/store.h"

namespace crmsync::sync {

// The domain change of a request's TaskChange, unchecked (ValidateChange checks it).
TaskChange ChangeFromProto(const v1::TaskChange& change);
// The domain comment of a request's CommentChange, unchecked (ValidateComment checks it).
CommentChange CommentFromProto(const v1::CommentChange& comment);

class SyncServer final : public v1::SyncService::Service {
 public:
  // Everything must outlive the server. While `ready` is false (schema not migrated, database
  // not answering) every call is UNAVAILABLE.
  SyncServer(
      ChangePipeline& pipeline, SyncStore& store, AddToCrm& add_to_crm, Resyncer& resyncer,
      const Clock& clock, SyncMetrics& metrics, std::function<bool()> ready = [] { return true; })
      : pipeline_(pipeline),
        store_(store),
        add_to_crm_(add_to_crm),
        resyncer_(resyncer),
        clock_(clock),
        metrics_(metrics),
        ready_(std::move(ready)) {}

  grpc::Status SubmitChange(grpc::ServerContext* context, const v1::SubmitChangeRequest* request,
                            v1::SubmitChangeResponse* response) override;
  grpc::Status BatchSubmitChanges(grpc::ServerContext* context,
                                  const v1::BatchSubmitChangesRequest* request,
                                  v1::BatchSubmitChangesResponse* response) override;
  grpc::Status SubmitComment(grpc::ServerContext* context, const v1::SubmitCommentRequest* request,
                             v1::SubmitCommentResponse* response) override;
  grpc::Status CheckChange(grpc::ServerContext* context, const v1::CheckChangeRequest* request,
                           v1::CheckChangeResponse* response) override;
  grpc::Status AddTaskToCrm(grpc::ServerContext* context, const v1::AddTaskToCrmRequest* request,
                            v1::AddTaskToCrmResponse* response) override;
  grpc::Status GetTaskSyncState(grpc::ServerContext* context,
                                const v1::GetTaskSyncStateRequest* request,
                                v1::GetTaskSyncStateResponse* response) override;
  grpc::Status ListFailures(grpc::ServerContext* context, const v1::ListFailuresRequest* request,
                            v1::ListFailuresResponse* response) override;
  grpc::Status Resync(grpc::ServerContext* context, const v1::ResyncRequest* request,
                      v1::ResyncResponse* response) override;

 private:
  // The TaskSyncState of the task linked to `task` (validated); NOT_FOUND when not linked.
  absl::Status BuildState(absl::string_view portal_id, const v1::TaskRef& task, absl::Time deadline,
                          v1::TaskSyncState* state);

  ChangePipeline& pipeline_;
  SyncStore& store_;
  AddToCrm& add_to_crm_;
  Resyncer& resyncer_;
  const Clock& clock_;
  SyncMetrics& metrics_;
  const std::function<bool()> ready_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_SYNC_SERVER_H_

#include "services/sync/method_roles.h"

namespace crmsync::sync {

MethodRoles SyncMethodRoles() {
  return {
      {"/crmsync.sync.v1.SyncService/SubmitChange", CallerRole::kWriter},
      {"/crmsync.sync.v1.SyncService/BatchSubmitChanges", CallerRole::kWriter},
      {"/crmsync.sync.v1.SyncService/SubmitComment", CallerRole::kWriter},
      {"/crmsync.sync.v1.SyncService/CheckChange", CallerRole::kReader},
      {"/crmsync.sync.v1.SyncService/AddTaskToCrm", CallerRole::kWriter},
      {"/crmsync.sync.v1.SyncService/GetTaskSyncState", CallerRole::kReader},
      {"/crmsync.sync.v1.SyncService/ListFailures", CallerRole::kReader},
      {"/crmsync.sync.v1.SyncService/Resync", CallerRole::kWriter},
      {"/crmsync.sync.v1.SyncWebhookService/IssueWebhookSecret", CallerRole::kAdmin},
      {"/crmsync.sync.v1.SyncWebhookService/WatchCrmTasks", CallerRole::kAdmin},
  };
}

}  // namespace crmsync::sync

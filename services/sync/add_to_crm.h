// "Add to CRM" (crmsync.sync.v1.AddTaskToCrm): checks that the project's client account is mapped
// and that the CRM record to attach to is the mapped account or one of the project's deals, that
// the portal's CRM grant is ACTIVE, reads the task's current values from Zoho Projects, and in one
// transaction links the task PENDING_CREATE with those values as its canonical state and queues the
// CRM task's creation on the outbox. Every read is made before the transaction.
//
// Owner: the task's first Projects owner goes through mapping's user links. An owner with no CRM
// user (no CRM user with the same email, or unknown to mapping) does not refuse the request: it is
// recorded with an empty crm_user_id, and the CRM task is created with CRM's default owner (the
// grant's user). The proto lists no error for it, and the task's other fields are worth syncing;
// a later owner change is judged by the usual rules.
#ifndef CRMSYNC_SERVICES_SYNC_ADD_TO_CRM_H_
#define CRMSYNC_SERVICES_SYNC_ADD_TO_CRM_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/common/clock.h"
#include "services/sync/change/task.h"
#include "services/sync/reads.h"
#include "services/sync/store/store.h"

namespace crmsync::sync {

// The source event id of the canonical values Add to CRM records.
inline constexpr char kAddToCrmEventId[] = "add-to-crm";

// crmsync.sync.v1.AddTaskToCrmRequest.
struct AddToCrmRequest {
  std::string portal_id;
  std::string project_id;
  std::string projects_task_id;
  // kAccounts: crm_record_id is crm_account_id; kDeals: crm_deal_id; kUnspecified: neither set.
  CrmModule crm_module = CrmModule::kUnspecified;
  std::string crm_record_id;
  Actor actor;
};

// INVALID_ARGUMENT naming the first malformed field: portal_id, project_id, projects_task_id,
// actor (as ValidateActor), target (neither set), crm_account_id / crm_deal_id (a malformed id).
absl::Status ValidateAddToCrm(const AddToCrmRequest& request);

class AddToCrm {
 public:
  // Everything must outlive this.
  AddToCrm(SyncStore& store, PortalSettingsSource& portals, UserDirectory& users,
           ProjectDirectory& directory, ProjectsTasks& projects, GrantStates& grants,
           const Clock& clock)
      : store_(store),
        portals_(portals),
        users_(users),
        directory_(directory),
        projects_(projects),
        grants_(grants),
        clock_(clock) {}

  // Links a request ValidateAddToCrm accepted; returns the link, PENDING_CREATE. Errors as
  // AddTaskToCrm lists them, each message a sentence naming what failed: NOT_FOUND (portal,
  // project, Projects task), ALREADY_EXISTS (already linked), FAILED_PRECONDITION (client account
  // missing or not mapped, account not the mapped one, deal not the project's, the CRM or the
  // Projects grant missing or BROKEN, a value the portal's maps cannot take); UNAVAILABLE when
  // mapping, auth or Zoho cannot be read. `deadline` (the caller's) bounds every read and the
  // transaction.
  absl::StatusOr<TaskLink> Add(const AddToCrmRequest& request, absl::Time deadline);

 private:
  // OK when the request's CRM record is one the project's task may be attached to.
  absl::Status CheckTarget(const AddToCrmRequest& request, const DirectoryProject& project,
                           absl::Time deadline);

  SyncStore& store_;
  PortalSettingsSource& portals_;
  UserDirectory& users_;
  ProjectDirectory& directory_;
  ProjectsTasks& projects_;
  GrantStates& grants_;
  const Clock& clock_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_ADD_TO_CRM_H_

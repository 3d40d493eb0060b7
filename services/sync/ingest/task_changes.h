// The changes a task as Zoho returns it stands for: every synced field as that side has it, made
// by the task's last modifier, at the side's modified time, with an event id derived from the
// task id and that time, so reading the same version twice yields the same event (DUPLICATE).
// Shared by the webhook inbox and Resync.
#ifndef CRMSYNC_SERVICES_SYNC_INGEST_TASK_CHANGES_H_
#define CRMSYNC_SERVICES_SYNC_INGEST_TASK_CHANGES_H_

#include "absl/strings/string_view.h"
#include "libs/zoho/crm_client.h"
#include "libs/zoho/projects_client.h"
#include "services/sync/change/task.h"

namespace crmsync::sync {

// A CRM task (priority and status as CRM's raw picklist values); event id
// "<task id>@<Modified_Time>#<digest of its synced values>", as CRM's time counts whole seconds.
TaskChange ChangeFromCrmTask(absl::string_view portal_id, const zoho::CrmTask& task);

// A Projects task of `project_id` (its status as its type, open or closed); event id
// "<task id>@<last_updated_time_long>".
TaskChange ChangeFromProjectsTask(absl::string_view portal_id, absl::string_view project_id,
                                  const zoho::ProjectsTask& task);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_INGEST_TASK_CHANGES_H_

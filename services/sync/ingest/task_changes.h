// The changes a task as Zoho returns it stands for: every synced field as that side has it, made
// by the task's last modifier, at the side's modified time, with an event id derived from the
// task id and that time, so reading the same version twice yields the same event (DUPLICATE);
// a task's deletion; and their submission through the change pipeline. Shared by the webhook
// inbox, Resync and reconciliation.
#ifndef CRMSYNC_SERVICES_SYNC_INGEST_TASK_CHANGES_H_
#define CRMSYNC_SERVICES_SYNC_INGEST_TASK_CHANGES_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/zoho/crm_client.h"
#include "libs/zoho/projects_client.h"
#include "services/sync/change/task.h"
#include "services/sync/metrics.h"
#include "services/sync/pipeline.h"

namespace crmsync::sync {

// A CRM task (priority and status as CRM's raw picklist values); event id
// "<task id>@<Modified_Time>#<digest of the synced values>", as Modified_Time has whole seconds.
TaskChange ChangeFromCrmTask(absl::string_view portal_id, const zoho::CrmTask& task);

// A Projects task of `project_id` (its status as its type, open or closed); event id
// "<task id>@<last_updated_time_long>".
TaskChange ChangeFromProjectsTask(absl::string_view portal_id, absl::string_view project_id,
                                  const zoho::ProjectsTask& task);

// The deletion of `task_id` on `side`, noticed at `when`, by `actor`; event id
// "<task id>@deleted" (a task is deleted once, however often that is read).
TaskChange DeletionChange(absl::string_view portal_id, Side side, absl::string_view task_id,
                          absl::Time when, Actor actor);

// Validates, submits and counts (crmsync_sync_changes_total) a change read from Zoho. One that
// Zoho's data makes invalid cannot be mended by a retry: it is logged as `reader`'s (e.g. "a
// resync") and skipped, nullopt. Errors as ChangePipeline::Submit.
absl::StatusOr<std::optional<ProcessedChange>> SubmitReadChange(ChangePipeline& pipeline,
                                                                SyncMetrics& metrics,
                                                                const TaskChange& change,
                                                                absl::string_view reader,
                                                                absl::Time deadline);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_INGEST_TASK_CHANGES_H_

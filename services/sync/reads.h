// What the change pipeline reads from outside its own database, as interfaces: the portal's
// settings (mapping's GetPortal), the user links (mapping's LookupUser), and the live Projects
// state the CRM rules check (Zoho Projects, with a token from auth); and what Add to CRM reads:
// the project's client account mapping and deals (mapping's GetProject, ListProjectDeals), the
// task's current values (Zoho Projects) and the state of the CRM grant (auth's GetGrant). main.cc
// wires the gRPC and Zoho implementations (mapping_reads.h, projects_reads.h); tests pass their
// own. Every read is bounded by `deadline`, the gRPC caller's (absl::InfiniteFuture() for none):
// once it passes the read gives up with DEADLINE_EXCEEDED.
#ifndef CRMSYNC_SERVICES_SYNC_READS_H_
#define CRMSYNC_SERVICES_SYNC_READS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/sync/change/projects_task.h"
#include "services/sync/change/rules.h"
#include "services/sync/change/task.h"
#include "services/sync/change/value_maps.h"

namespace crmsync::sync {

// Whether `status` is DEADLINE_EXCEEDED because the caller's `deadline` passed, which the caller
// is told as such, rather than because a dependency was too slow (UNAVAILABLE: retry later).
inline bool CallerDeadlinePassed(const absl::Status& status, absl::Time deadline) {
  return absl::IsDeadlineExceeded(status) && absl::Now() >= deadline;
}

// crmsync.mapping.v1.RejectionPolicy, as GetPortal returns it (never unspecified).
enum class RejectionPolicy { kReportOnly = 1, kReportAndRestore = 2 };

// What the pipeline needs of a portal's settings.
struct PortalConfig {
  ValueMaps value_maps;
  RejectionPolicy rejection_policy = RejectionPolicy::kReportOnly;
};

class PortalSettingsSource {
 public:
  virtual ~PortalSettingsSource() = default;
  // The portal's effective settings. NOT_FOUND (portal_id) when it is not configured;
  // UNAVAILABLE when the settings cannot be read.
  virtual absl::StatusOr<PortalConfig> Get(absl::string_view portal_id, absl::Time deadline) = 0;
};

class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  // The user with `user_id` on `side`, with their user on the other side linked by email;
  // nullopt when no user of `side` has that id. UNAVAILABLE when the links cannot be read.
  virtual absl::StatusOr<std::optional<Owner>> OwnerById(absl::string_view portal_id, Side side,
                                                         absl::string_view user_id,
                                                         absl::Time deadline) = 0;
};

class ProjectsState {
 public:
  virtual ~ProjectsState() = default;
  // The project's schedule / the task's title and status, read live from Zoho Projects.
  // FAILED_PRECONDITION when the portal has no ACTIVE Projects grant (or it lacks a scope);
  // UNAVAILABLE when Zoho or auth cannot be reached, or Zoho's rate limit stops the read.
  virtual absl::StatusOr<ProjectSchedule> Schedule(absl::string_view portal_id,
                                                   absl::string_view project_id,
                                                   absl::Time deadline) = 0;
  virtual absl::StatusOr<ParentTask> Task(absl::string_view portal_id, absl::string_view project_id,
                                          absl::string_view task_id, absl::Time deadline) = 0;
};

// A Projects project as mapping's directory knows it: its client account and the CRM account
// that client account is mapped to.
struct DirectoryProject {
  std::string name;
  // Empty when the project has no client account.
  std::string client_account_id;
  std::string client_account_name;
  // Empty when the client account is not mapped.
  std::string mapped_crm_account_id;
  std::string mapped_crm_account_name;
};

class ProjectDirectory {
 public:
  virtual ~ProjectDirectory() = default;
  // The project as of the last directory import. NOT_FOUND when the portal or the project is
  // unknown (the message says which); UNAVAILABLE when mapping cannot be read.
  virtual absl::StatusOr<DirectoryProject> Project(absl::string_view portal_id,
                                                   absl::string_view project_id,
                                                   absl::Time deadline) = 0;
  // The ids of every CRM deal associated with the project. Errors as Project.
  virtual absl::StatusOr<std::vector<std::string>> ProjectDealIds(absl::string_view portal_id,
                                                                  absl::string_view project_id,
                                                                  absl::Time deadline) = 0;
};

class ProjectsTasks {
 public:
  virtual ~ProjectsTasks() = default;
  // The task's current values, read live from Zoho Projects; nullopt when Projects has no such
  // task in that project. FAILED_PRECONDITION and UNAVAILABLE as ProjectsState.
  virtual absl::StatusOr<std::optional<ProjectsTaskValues>> CurrentTask(
      absl::string_view portal_id, absl::string_view project_id, absl::string_view task_id,
      absl::Time deadline) = 0;
};

class GrantStates {
 public:
  virtual ~GrantStates() = default;
  // OK when the portal has an ACTIVE grant for `side`; FAILED_PRECONDITION, a sentence saying
  // why, when it has none or it is BROKEN; UNAVAILABLE when auth cannot be read.
  virtual absl::Status CheckActive(absl::string_view portal_id, Side side, absl::Time deadline) = 0;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_READS_H_

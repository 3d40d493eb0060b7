// In-memory stand-ins for what the change pipeline reads from mapping and Zoho Projects: each
// answers from the records a test puts in it (or with the error it sets), nothing else.
#ifndef CRMSYNC_TESTS_SERVICES_SYNC_FAKE_READS_H_
#define CRMSYNC_TESTS_SERVICES_SYNC_FAKE_READS_H_

#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/sync/reads.h"

namespace crmsync::sync::testing {

class FakePortals : public PortalSettingsSource {
 public:
  std::map<std::string, PortalConfig> portals;

  absl::StatusOr<PortalConfig> Get(absl::string_view portal_id, absl::Time) override {
    auto it = portals.find(std::string(portal_id));
    if (it == portals.end()) {
      return absl::NotFoundError(
          absl::StrCat("portal_id: portal ", portal_id, " is not configured"));
    }
    return it->second;
  }
};

class FakeUsers : public UserDirectory {
 public:
  // Keyed by portal, side and the user id on that side.
  std::map<std::tuple<std::string, Side, std::string>, Owner> users;
  int lookups = 0;

  absl::StatusOr<std::optional<Owner>> OwnerById(absl::string_view portal_id, Side side,
                                                 absl::string_view user_id, absl::Time) override {
    ++lookups;
    auto it = users.find({std::string(portal_id), side, std::string(user_id)});
    if (it == users.end()) return std::nullopt;
    return it->second;
  }
};

// mapping's directory of projects: each project's client account mapping and its deals.
class FakeDirectory : public ProjectDirectory {
 public:
  // Keyed by portal and project id; a portal with no project here is not configured.
  std::map<std::pair<std::string, std::string>, DirectoryProject> projects;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> deals;

  absl::StatusOr<DirectoryProject> Project(absl::string_view portal_id,
                                           absl::string_view project_id, absl::Time) override {
    auto it = projects.find({std::string(portal_id), std::string(project_id)});
    if (it == projects.end()) {
      return absl::NotFoundError(
          absl::StrCat("project_id: project ", project_id, " is not in the directory"));
    }
    return it->second;
  }
  absl::StatusOr<std::vector<std::string>> ProjectDealIds(absl::string_view portal_id,
                                                          absl::string_view project_id,
                                                          absl::Time deadline) override {
    auto project = Project(portal_id, project_id, deadline);
    if (!project.ok()) return project.status();
    return deals[{std::string(portal_id), std::string(project_id)}];
  }
};

class FakeProjects : public ProjectsState, public ProjectsTasks {
 public:
  // Keyed by portal and project id / task id.
  std::map<std::pair<std::string, std::string>, ProjectSchedule> projects;
  std::map<std::pair<std::string, std::string>, ParentTask> tasks;
  // The tasks' current values, keyed by portal and task id.
  std::map<std::pair<std::string, std::string>, ProjectsTaskValues> current_tasks;
  // When not OK, every read fails with it.
  absl::Status error;
  int reads = 0;

  absl::StatusOr<ProjectSchedule> Schedule(absl::string_view portal_id,
                                           absl::string_view project_id, absl::Time) override {
    ++reads;
    if (!error.ok()) return error;
    auto it = projects.find({std::string(portal_id), std::string(project_id)});
    if (it == projects.end()) return absl::NotFoundError("no such project in Zoho Projects");
    return it->second;
  }
  absl::StatusOr<ParentTask> Task(absl::string_view portal_id, absl::string_view,
                                  absl::string_view task_id, absl::Time) override {
    ++reads;
    if (!error.ok()) return error;
    auto it = tasks.find({std::string(portal_id), std::string(task_id)});
    if (it == tasks.end()) return absl::NotFoundError("no such task in Zoho Projects");
    return it->second;
  }
  absl::StatusOr<std::optional<ProjectsTaskValues>> CurrentTask(absl::string_view portal_id,
                                                                absl::string_view,
                                                                absl::string_view task_id,
                                                                absl::Time) override {
    ++reads;
    if (!error.ok()) return error;
    auto it = current_tasks.find({std::string(portal_id), std::string(task_id)});
    if (it == current_tasks.end()) return std::nullopt;
    return it->second;
  }
};

// auth's grants: ACTIVE unless a test sets another answer for (portal, side).
class FakeGrants : public GrantStates {
 public:
  std::map<std::pair<std::string, Side>, absl::Status> answers;

  absl::Status CheckActive(absl::string_view portal_id, Side side, absl::Time) override {
    auto it = answers.find({std::string(portal_id), side});
    return it == answers.end() ? absl::OkStatus() : it->second;
  }
};

}  // namespace crmsync::sync::testing

#endif  // CRMSYNC_TESTS_SERVICES_SYNC_FAKE_READS_H_

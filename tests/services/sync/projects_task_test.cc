// What Add to CRM takes of a Projects task: its values as canonical ones, version 1 from the
// Projects side, and the owner it records with or without a CRM user.
#include "services/sync/change/projects_task.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/services/sync/builders.h"

namespace crmsync::sync {
namespace {

using ::testing::HasSubstr;

ProjectsTaskValues MigrateData() {
  ProjectsTaskValues task;
  task.name = "Migrate data";
  task.end_date = absl::CivilDay(2025, 6, 30);
  task.priority = "medium";
  task.status_name = "Open";
  task.status_type = TaskStatus::kOpen;
  task.owner = ProjectsOwner{"1800000000009", "Ana Lima", "ana@example.com"};
  task.last_modified = testing::At(7);
  return task;
}

TEST(ProjectsTask, ItsValuesBecomeVersionOneFromProjectsAtItsModifiedTime) {
  const Owner ana{"ana@example.com", "4000000000009", "1800000000009", "Ana Lima"};
  auto canonical =
      CanonicalFromProjects(MigrateData(), testing::DocumentedDefaultMaps(), ana, "add-to-crm");
  ASSERT_TRUE(canonical.ok()) << canonical.status();
  ASSERT_EQ(canonical->size(), 6u);
  for (const auto& [field, state] : *canonical) {
    EXPECT_EQ(state.version, 1);
    EXPECT_EQ(state.source_side, Side::kProjects);
    EXPECT_EQ(state.source_time, testing::At(7));
    EXPECT_EQ(state.source_event_id, "add-to-crm");
  }
  EXPECT_EQ(std::get<EndDate>(canonical->at(Field::kEndDate).value), absl::CivilDay(2025, 6, 30));
  EXPECT_EQ(std::get<Priority>(canonical->at(Field::kPriority).value), Priority::kMedium);
  EXPECT_EQ(std::get<std::string>(canonical->at(Field::kDescription).value), "");
  EXPECT_EQ(std::get<Owner>(canonical->at(Field::kOwner).value).crm_user_id, "4000000000009");
}

TEST(ProjectsTask, AStatusNameTheMapDoesNotListIsReadByItsType) {
  ProjectsTaskValues task = MigrateData();
  task.status_name = "Signed off";
  task.status_type = TaskStatus::kClosed;
  auto canonical =
      CanonicalFromProjects(task, testing::DocumentedDefaultMaps(), Owner{}, "add-to-crm");
  ASSERT_TRUE(canonical.ok()) << canonical.status();
  EXPECT_EQ(std::get<TaskStatus>(canonical->at(Field::kStatus).value), TaskStatus::kClosed);
}

TEST(ProjectsTask, AnEmptyTitleCannotBeTaken) {
  ProjectsTaskValues task = MigrateData();
  task.name = "";
  auto canonical =
      CanonicalFromProjects(task, testing::DocumentedDefaultMaps(), Owner{}, "add-to-crm");
  EXPECT_TRUE(absl::IsFailedPrecondition(canonical.status())) << canonical.status();
  EXPECT_THAT(canonical.status().message(), HasSubstr("The title cannot be empty"));
}

TEST(ProjectsTask, AnOwnerWithoutACrmUserIsKeptWithAnEmptyCrmUserId) {
  const Owner owner = OwnerOfProjectsTask(MigrateData(), std::nullopt);
  EXPECT_EQ(owner.crm_user_id, "");
  EXPECT_EQ(owner.projects_user_id, "1800000000009");
  EXPECT_EQ(owner.email, "ana@example.com");

  ProjectsTaskValues unowned = MigrateData();
  unowned.owner.reset();
  EXPECT_EQ(OwnerOfProjectsTask(unowned, std::nullopt).projects_user_id, "");
}

}  // namespace
}  // namespace crmsync::sync

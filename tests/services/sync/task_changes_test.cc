// The changes a CRM task read back from Zoho stands for: which versions of it are one event.
#include "services/sync/ingest/task_changes.h"

#include "gtest/gtest.h"

namespace crmsync::sync {
namespace {

zoho::CrmTask Version(const std::string& subject, absl::Time modified) {
  zoho::CrmTask task;
  task.id = "6000000012345";
  task.subject = subject;
  task.modified_time = modified;
  return task;
}

// CRM's Modified_Time has whole seconds: sync's own write and a person's edit right after it
// carry the same one.
TEST(ChangeFromCrmTaskTest, TwoVersionsOfOneSecondAreTwoEvents) {
  const absl::Time second = absl::FromUnixSeconds(1764500000);
  const TaskChange written = ChangeFromCrmTask("1001", Version("Migrate data", second));
  const TaskChange edited = ChangeFromCrmTask("1001", Version("Migrate the data", second));
  EXPECT_NE(written.event_id, edited.event_id);
  EXPECT_EQ(edited.source_modified_time, second);
}

TEST(ChangeFromCrmTaskTest, OneVersionReadTwiceIsOneEvent) {
  const absl::Time second = absl::FromUnixSeconds(1764500000);
  const TaskChange first = ChangeFromCrmTask("1001", Version("Migrate data", second));
  EXPECT_EQ(ChangeFromCrmTask("1001", Version("Migrate data", second)).event_id, first.event_id);
  EXPECT_NE(ChangeFromCrmTask("1001", Version("Migrate data", second + absl::Seconds(1))).event_id,
            first.event_id);
}

}  // namespace
}  // namespace crmsync::sync

#include "services/sync/change/value_maps.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/sync/builders.h"

namespace crmsync::sync {
namespace {

using testing::DocumentedDefaultMaps;

TEST(ReadPriority, DocumentedCrmValuesReadAsCanonical) {
  const ValueMaps maps = DocumentedDefaultMaps();
  EXPECT_EQ(ReadPriority(maps, Side::kCrm, "Highest").value(), Priority::kHigh);
  EXPECT_EQ(ReadPriority(maps, Side::kCrm, "High").value(), Priority::kHigh);
  EXPECT_EQ(ReadPriority(maps, Side::kCrm, "Normal").value(), Priority::kMedium);
  EXPECT_EQ(ReadPriority(maps, Side::kCrm, "Lowest").value(), Priority::kLow);
  EXPECT_EQ(ReadPriority(maps, Side::kCrm, "").value(), Priority::kNone);
}

TEST(ReadPriority, SideValuesCompareCaseInsensitively) {
  const ValueMaps maps = DocumentedDefaultMaps();
  EXPECT_EQ(ReadPriority(maps, Side::kProjects, "medium").value(), Priority::kMedium);
  EXPECT_EQ(ReadPriority(maps, Side::kProjects, "NONE").value(), Priority::kNone);
  EXPECT_EQ(ReadPriority(maps, Side::kCrm, "highest").value(), Priority::kHigh);
}

TEST(ReadPriority, EachSideReadsOnlyItsOwnMap) {
  const ValueMaps maps = DocumentedDefaultMaps();
  // "Normal" is CRM's word for medium; Projects does not use it.
  auto projects_normal = ReadPriority(maps, Side::kProjects, "Normal");
  EXPECT_EQ(projects_normal.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(projects_normal.status().message(),
            "Priority \"Normal\" is not in the portal's Zoho Projects priority map");
}

TEST(ReadPriority, UnknownValueNamesTheValueAndTheMap) {
  auto urgent = ReadPriority(DocumentedDefaultMaps(), Side::kCrm, "Urgent");
  EXPECT_EQ(urgent.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(urgent.status().message(),
            "Priority \"Urgent\" is not in the portal's Zoho CRM priority map");
}

TEST(ReadPriority, PortalMapsReplaceTheDefaults) {
  ValueMaps maps = DocumentedDefaultMaps();
  maps.crm_priorities = {{"P1", Priority::kHigh, true},
                         {"P2", Priority::kMedium, true},
                         {"P3", Priority::kLow, true},
                         {"", Priority::kNone, true}};
  EXPECT_EQ(ReadPriority(maps, Side::kCrm, "p1").value(), Priority::kHigh);
  EXPECT_FALSE(ReadPriority(maps, Side::kCrm, "Highest").ok());
  EXPECT_EQ(WritePriority(maps, Side::kCrm, Priority::kMedium).value(), "P2");
}

TEST(ReadStatus, EveryOpenCrmStatusReadsAsOpen) {
  const ValueMaps maps = DocumentedDefaultMaps();
  for (const char* open :
       {"Not Started", "Deferred", "In Progress", "Waiting for input", "Waiting on someone else"}) {
    EXPECT_EQ(ReadStatus(maps, Side::kCrm, open).value(), TaskStatus::kOpen) << open;
  }
  EXPECT_EQ(ReadStatus(maps, Side::kCrm, "Completed").value(), TaskStatus::kClosed);
  EXPECT_EQ(ReadStatus(maps, Side::kCrm, "completed").value(), TaskStatus::kClosed);
}

TEST(ReadStatus, UnlistedProjectsStatusFallsBackToItsTypeWhenKnown) {
  const ValueMaps maps = DocumentedDefaultMaps();
  EXPECT_EQ(ReadStatus(maps, Side::kProjects, "In Review", TaskStatus::kOpen).value(),
            TaskStatus::kOpen);
  EXPECT_EQ(ReadStatus(maps, Side::kProjects, "Cancelled", TaskStatus::kClosed).value(),
            TaskStatus::kClosed);
  auto unknown = ReadStatus(maps, Side::kProjects, "In Review");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message(),
            "Status \"In Review\" is not in the portal's Zoho Projects status map");
}

TEST(ReadStatus, CrmStatusesHaveNoTypeToFallBackTo) {
  auto unknown = ReadStatus(DocumentedDefaultMaps(), Side::kCrm, "Blocked", TaskStatus::kOpen);
  EXPECT_EQ(unknown.status().message(),
            "Status \"Blocked\" is not in the portal's Zoho CRM status map");
}

TEST(ReadStatus, AListedProjectsStatusWinsOverItsType) {
  ValueMaps maps = DocumentedDefaultMaps();
  maps.projects_statuses.push_back({"Ready to Ship", TaskStatus::kClosed, false});
  EXPECT_EQ(ReadStatus(maps, Side::kProjects, "Ready to Ship", TaskStatus::kOpen).value(),
            TaskStatus::kClosed);
}

TEST(WritePriority, WritesTheEntryMarkedWrite) {
  const ValueMaps maps = DocumentedDefaultMaps();
  EXPECT_EQ(WritePriority(maps, Side::kCrm, Priority::kHigh).value(), "High");
  EXPECT_EQ(WritePriority(maps, Side::kCrm, Priority::kLow).value(), "Low");
  EXPECT_EQ(WritePriority(maps, Side::kCrm, Priority::kMedium).value(), "Normal");
  EXPECT_EQ(WritePriority(maps, Side::kCrm, Priority::kNone).value(), "");
  EXPECT_EQ(WritePriority(maps, Side::kProjects, Priority::kMedium).value(), "Medium");
}

TEST(WritePriority, ReadOnlyEntriesAreNeverWrittenWhateverTheirOrder) {
  ValueMaps maps;
  maps.crm_priorities = {{"Highest", Priority::kHigh, false}, {"High", Priority::kHigh, true}};
  EXPECT_EQ(WritePriority(maps, Side::kCrm, Priority::kHigh).value(), "High");
}

TEST(WriteStatus, WritesTheEntryMarkedWrite) {
  const ValueMaps maps = DocumentedDefaultMaps();
  EXPECT_EQ(WriteStatus(maps, Side::kCrm, TaskStatus::kOpen).value(), "Not Started");
  EXPECT_EQ(WriteStatus(maps, Side::kCrm, TaskStatus::kClosed).value(), "Completed");
  EXPECT_EQ(WriteStatus(maps, Side::kProjects, TaskStatus::kClosed).value(), "Closed");
}

TEST(WriteStatus, MapWithoutAWriteEntrySaysWhich) {
  ValueMaps maps;
  maps.crm_statuses = {{"Completed", TaskStatus::kClosed, true}};
  auto open = WriteStatus(maps, Side::kCrm, TaskStatus::kOpen);
  EXPECT_EQ(open.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(open.status().message(),
            "The portal's Zoho CRM status map has no value to write for Open");
}

}  // namespace
}  // namespace crmsync::sync

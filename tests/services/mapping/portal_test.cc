// Portal settings: defaults of the value maps and UpsertPortal's checks, whose messages name the
// map and the entry.
#include "services/mapping/portal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace crmsync::mapping {
namespace {

std::string Message(const absl::Status& status) { return std::string(status.message()); }

using ::testing::HasSubstr;
using ::testing::StartsWith;

PortalSettings Valid() {
  return PortalSettings{"1001", "Acme Projects", "20050", RejectionPolicy::kUnspecified, {}};
}

std::string Error(const ValueMaps& maps) {
  return std::string(ValidateValueMaps(maps, "portal.value_maps").message());
}

TEST(ValueMaps, EmptyMapsTakeTheDocumentedDefaults) {
  const ValueMaps effective = EffectiveValueMaps({});
  EXPECT_EQ(effective, DefaultValueMaps());
  EXPECT_THAT(effective.crm_priorities,
              testing::Contains(PriorityEntry{"Highest", Priority::kHigh, false}));
  EXPECT_THAT(effective.crm_priorities,
              testing::Contains(PriorityEntry{"", Priority::kNone, true}));
  EXPECT_THAT(effective.crm_statuses,
              testing::Contains(StatusEntry{"Completed", TaskStatus::kClosed, true}));
  EXPECT_TRUE(ValidateValueMaps(DefaultValueMaps(), "portal.value_maps").ok());
}

TEST(ValueMaps, AGivenMapReplacesOnlyItsDefault) {
  ValueMaps maps;
  maps.projects_statuses = {{"Active", TaskStatus::kOpen, true},
                            {"Done", TaskStatus::kClosed, true}};
  const ValueMaps effective = EffectiveValueMaps(maps);
  EXPECT_EQ(effective.projects_statuses, maps.projects_statuses);
  EXPECT_EQ(effective.crm_statuses, DefaultValueMaps().crm_statuses);
}

TEST(ValueMaps, DuplicateSideValueIsNamedCaseInsensitively) {
  ValueMaps maps;
  maps.crm_priorities = DefaultValueMaps().crm_priorities;
  maps.crm_priorities.push_back({"HIGHEST", Priority::kHigh, false});
  EXPECT_EQ(Error(maps),
            "portal.value_maps.crm_priorities[6]: side_value \"HIGHEST\" repeats entry 5 "
            "(\"Highest\"); side values compare case-insensitively");
}

// Value maps are stored as JSON text, which holds UTF-8 only.
TEST(ValueMaps, SideValueThatIsNotUtf8IsNamed) {
  ValueMaps maps;
  maps.projects_priorities = DefaultValueMaps().projects_priorities;
  maps.projects_priorities[3].side_value = "H\xffigh";
  EXPECT_EQ(Error(maps), "portal.value_maps.projects_priorities[3].side_value: not valid UTF-8");
  maps.projects_priorities[3].side_value = "Hoch \xc3\xbc";
  EXPECT_TRUE(ValidateValueMaps(maps, "portal.value_maps").ok());
}

TEST(ValueMaps, UnspecifiedCanonicalValueIsNamed) {
  ValueMaps maps;
  maps.projects_statuses = {{"Open", TaskStatus::kOpen, true},
                            {"Parked", TaskStatus::kUnspecified, false},
                            {"Closed", TaskStatus::kClosed, true}};
  EXPECT_THAT(Error(maps), StartsWith("portal.value_maps.projects_statuses[1].status: "
                                      "TASK_STATUS_UNSPECIFIED for side_value \"Parked\""));
}

TEST(ValueMaps, UnknownCanonicalValueIsNamed) {
  ValueMaps maps;
  maps.projects_priorities = DefaultValueMaps().projects_priorities;
  maps.projects_priorities[2].priority = static_cast<Priority>(9);
  EXPECT_EQ(Error(maps), "portal.value_maps.projects_priorities[2].priority: unknown value 9");
}

TEST(ValueMaps, EveryCanonicalValueNeedsExactlyOneWriteEntry) {
  ValueMaps missing;
  missing.crm_statuses = {{"Not Started", TaskStatus::kOpen, true},
                          {"Completed", TaskStatus::kClosed, false}};
  EXPECT_EQ(Error(missing),
            "portal.value_maps.crm_statuses: TASK_STATUS_CLOSED has no entry with write = true "
            "(exactly one is needed)");

  ValueMaps twice;
  twice.crm_statuses = {{"Not Started", TaskStatus::kOpen, true},
                        {"In Progress", TaskStatus::kOpen, true},
                        {"Completed", TaskStatus::kClosed, true}};
  EXPECT_EQ(Error(twice),
            "portal.value_maps.crm_statuses[1]: a second write entry for TASK_STATUS_OPEN (entry 0 "
            "is one already)");

  ValueMaps absent;  // a canonical value the map does not list at all cannot be written
  absent.projects_priorities = {{"Low", Priority::kLow, true},
                                {"Medium", Priority::kMedium, true},
                                {"High", Priority::kHigh, true}};
  EXPECT_THAT(Error(absent), HasSubstr("projects_priorities: PRIORITY_NONE has no entry"));
}

TEST(ValueMaps, OversizedSideValueIsNamed) {
  ValueMaps maps;
  maps.projects_statuses = {{std::string(256, 'x'), TaskStatus::kOpen, true},
                            {"Closed", TaskStatus::kClosed, true}};
  EXPECT_EQ(Error(maps),
            "portal.value_maps.projects_statuses[0].side_value: longer than 255 characters");
}

TEST(PortalSettings, ValidSettingsPass) { EXPECT_TRUE(ValidatePortalSettings(Valid()).ok()); }

TEST(PortalSettings, EachBadFieldIsNamed) {
  PortalSettings s = Valid();
  s.portal_id = "10 01";
  EXPECT_THAT(Message(ValidatePortalSettings(s)), StartsWith("portal.portal_id: "));
  s = Valid();
  s.name = "";
  EXPECT_THAT(Message(ValidatePortalSettings(s)), StartsWith("portal.name: "));
  s = Valid();
  s.name = std::string(201, 'n');
  EXPECT_THAT(Message(ValidatePortalSettings(s)), StartsWith("portal.name: longer than 200"));
  s = Valid();
  s.crm_org_id = "";
  EXPECT_THAT(Message(ValidatePortalSettings(s)), StartsWith("portal.crm_org_id: "));
  s = Valid();
  s.rejection_policy = static_cast<RejectionPolicy>(3);
  EXPECT_EQ(ValidatePortalSettings(s).message(), "portal.rejection_policy: unknown value 3");
}

TEST(RejectionPolicy, UnspecifiedMeansReportOnly) {
  EXPECT_EQ(EffectiveRejectionPolicy(RejectionPolicy::kUnspecified), RejectionPolicy::kReportOnly);
  EXPECT_EQ(EffectiveRejectionPolicy(RejectionPolicy::kReportAndRestore),
            RejectionPolicy::kReportAndRestore);
  EXPECT_EQ(*RejectionPolicyFromName(RejectionPolicyName(RejectionPolicy::kReportAndRestore)),
            RejectionPolicy::kReportAndRestore);
}

TEST(ValueMaps, JsonRoundTrip) {
  ValueMaps maps = DefaultValueMaps();
  maps.crm_priorities.clear();
  EXPECT_EQ(*ValueMapsFromJson(ValueMapsToJson(maps)), maps);
}

}  // namespace
}  // namespace crmsync::mapping

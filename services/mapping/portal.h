// A crmsync portal's settings as the mapping service keeps them: the Projects portal, its CRM org,
// the rejection policy and the four value maps (mapping.proto's Portal and ValueMaps), with the
// defaults documented on crmsync.common.v1.Priority / TaskStatus and the checks UpsertPortal makes.
#ifndef CRMSYNC_SERVICES_MAPPING_PORTAL_H_
#define CRMSYNC_SERVICES_MAPPING_PORTAL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace crmsync::mapping {

// The numbers are those of crmsync.common.v1.Priority / TaskStatus and
// crmsync.mapping.v1.RejectionPolicy; 0 is "unspecified" and never a canonical value.
enum class Priority { kUnspecified = 0, kNone = 1, kLow = 2, kMedium = 3, kHigh = 4 };
enum class TaskStatus { kUnspecified = 0, kOpen = 1, kClosed = 2 };
enum class RejectionPolicy { kUnspecified = 0, kReportOnly = 1, kReportAndRestore = 2 };

struct PriorityEntry {
  std::string side_value;
  Priority priority = Priority::kUnspecified;
  bool write = false;
  bool operator==(const PriorityEntry&) const = default;
};

struct StatusEntry {
  std::string side_value;
  TaskStatus status = TaskStatus::kUnspecified;
  bool write = false;
  bool operator==(const StatusEntry&) const = default;
};

// An empty map stands for its default.
struct ValueMaps {
  std::vector<PriorityEntry> crm_priorities;
  std::vector<PriorityEntry> projects_priorities;
  std::vector<StatusEntry> crm_statuses;
  std::vector<StatusEntry> projects_statuses;
  bool operator==(const ValueMaps&) const = default;
};

// The settings an admin gives (UpsertPortal's input).
struct PortalSettings {
  std::string portal_id;
  std::string name;
  std::string crm_org_id;
  RejectionPolicy rejection_policy = RejectionPolicy::kUnspecified;
  ValueMaps value_maps;  // as given: empty maps stay empty
};

// A stored portal.
struct Portal {
  PortalSettings settings;
  absl::Time create_time;
  absl::Time update_time;
};

// The default maps of common.proto.
const ValueMaps& DefaultValueMaps();

// `maps` with every empty map replaced by its default.
ValueMaps EffectiveValueMaps(const ValueMaps& maps);

// `policy` with kUnspecified read as kReportOnly.
RejectionPolicy EffectiveRejectionPolicy(RejectionPolicy policy);

// Most entries one value map holds (mapping.proto's ValueMaps).
inline constexpr size_t kMaxValueMapEntries = 100;

// UpsertPortal's checks. `field` prefixes messages ("portal.value_maps"): per map, more than
// kMaxValueMapEntries entries; per entry, a side value
// that is not valid UTF-8 or longer than 255 characters, a side value equal (case-insensitively) to
// an earlier entry's, an UNSPECIFIED or unknown canonical value; per non-empty map, a canonical
// value with no or several `write` entries. The message names the map and entry, e.g.
// "portal.value_maps.crm_priorities[3]: side_value "high" repeats entry 2 ("High")".
absl::Status ValidateValueMaps(const ValueMaps& maps, absl::string_view field);

// Every check of UpsertPortal: ids, name (1..200), rejection policy, value maps. Field paths
// start with "portal.".
absl::Status ValidatePortalSettings(const PortalSettings& settings);

// Lower-case names used in storage ("report_only"); kUnspecified is stored as "report_only".
absl::string_view RejectionPolicyName(RejectionPolicy policy);
absl::StatusOr<RejectionPolicy> RejectionPolicyFromName(absl::string_view name);

// ValueMaps ⇄ the JSON text stored beside a portal.
std::string ValueMapsToJson(const ValueMaps& maps);
absl::StatusOr<ValueMaps> ValueMapsFromJson(absl::string_view json);

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_PORTAL_H_

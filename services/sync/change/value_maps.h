// Translation of each side's priority and status picklist values to crmsync's canonical values
// and back, through a portal's value maps (crmsync.mapping.v1.ValueMaps). The maps arrive
// effective from mapping's GetPortal (a map the portal leaves empty comes back filled with the
// defaults documented on crmsync.common.v1.Priority and TaskStatus), so an empty map here lists
// nothing.
#ifndef CRMSYNC_SERVICES_SYNC_CHANGE_VALUE_MAPS_H_
#define CRMSYNC_SERVICES_SYNC_CHANGE_VALUE_MAPS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/sync/change/task.h"

namespace crmsync::sync {

// crmsync.mapping.v1.PriorityValue: a side's value, the canonical priority it stands for, and
// whether it is the one written for that priority.
struct PriorityEntry {
  std::string side_value;
  Priority priority = Priority::kUnspecified;
  bool write = false;
};

// crmsync.mapping.v1.StatusValue.
struct StatusEntry {
  std::string side_value;
  TaskStatus status = TaskStatus::kUnspecified;
  bool write = false;
};

// crmsync.mapping.v1.ValueMaps.
struct ValueMaps {
  std::vector<PriorityEntry> crm_priorities;
  std::vector<PriorityEntry> projects_priorities;
  std::vector<StatusEntry> crm_statuses;
  std::vector<StatusEntry> projects_statuses;
};

// The canonical priority `side`'s value stands for, compared case-insensitively ("" is CRM's
// "no value"). NOT_FOUND when the map does not list it; the message is a sentence naming the
// value and the map, e.g. `Priority "Urgent" is not in the portal's Zoho CRM priority map`.
absl::StatusOr<Priority> ReadPriority(const ValueMaps& maps, Side side, absl::string_view value);

// The canonical status `side`'s value stands for, compared case-insensitively. A Projects status
// name the map does not list falls back to its status type (`projects_status_type`, Projects'
// status.type "open" / "closed") when the caller knows it. NOT_FOUND otherwise, as ReadPriority.
absl::StatusOr<TaskStatus> ReadStatus(
    const ValueMaps& maps, Side side, absl::string_view value,
    std::optional<TaskStatus> projects_status_type = std::nullopt);

// The value written to `side` for a canonical priority / status: the entry marked `write`.
// NOT_FOUND when the map has none for it (mapping refuses such maps; a sentence says which).
absl::StatusOr<std::string> WritePriority(const ValueMaps& maps, Side side, Priority priority);
absl::StatusOr<std::string> WriteStatus(const ValueMaps& maps, Side side, TaskStatus status);

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_CHANGE_VALUE_MAPS_H_

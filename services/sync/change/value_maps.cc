#include "services/sync/change/value_maps.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace crmsync::sync {
namespace {

const std::vector<PriorityEntry>& PrioritiesOf(const ValueMaps& maps, Side side) {
  return side == Side::kCrm ? maps.crm_priorities : maps.projects_priorities;
}

const std::vector<StatusEntry>& StatusesOf(const ValueMaps& maps, Side side) {
  return side == Side::kCrm ? maps.crm_statuses : maps.projects_statuses;
}

Priority CanonicalOf(const PriorityEntry& entry) { return entry.priority; }
TaskStatus CanonicalOf(const StatusEntry& entry) { return entry.status; }

absl::Status NotInMap(absl::string_view what, absl::string_view value, Side side) {
  return absl::NotFoundError(absl::StrCat(what, " \"", value, "\" is not in the portal's ",
                                          SideDisplayName(side), " ", absl::AsciiStrToLower(what),
                                          " map"));
}

template <typename Entry>
auto Read(const std::vector<Entry>& entries, absl::string_view value)
    -> std::optional<decltype(CanonicalOf(entries.front()))> {
  for (const Entry& entry : entries) {
    if (absl::EqualsIgnoreCase(entry.side_value, value)) return CanonicalOf(entry);
  }
  return std::nullopt;
}

template <typename Entry, typename Canonical>
absl::StatusOr<std::string> Write(const std::vector<Entry>& entries, Canonical canonical,
                                  absl::string_view what, absl::string_view canonical_name,
                                  Side side) {
  for (const Entry& entry : entries) {
    if (entry.write && CanonicalOf(entry) == canonical) return entry.side_value;
  }
  return absl::NotFoundError(absl::StrCat("The portal's ", SideDisplayName(side), " ", what,
                                          " map has no value to write for ", canonical_name));
}

}  // namespace

absl::StatusOr<Priority> ReadPriority(const ValueMaps& maps, Side side, absl::string_view value) {
  if (auto priority = Read(PrioritiesOf(maps, side), value)) return *priority;
  return NotInMap("Priority", value, side);
}

absl::StatusOr<TaskStatus> ReadStatus(const ValueMaps& maps, Side side, absl::string_view value,
                                      std::optional<TaskStatus> projects_status_type) {
  if (auto status = Read(StatusesOf(maps, side), value)) return *status;
  if (side == Side::kProjects && projects_status_type.has_value() &&
      *projects_status_type != TaskStatus::kUnspecified) {
    return *projects_status_type;
  }
  return NotInMap("Status", value, side);
}

absl::StatusOr<std::string> WritePriority(const ValueMaps& maps, Side side, Priority priority) {
  return Write(PrioritiesOf(maps, side), priority, "priority", PriorityDisplayName(priority), side);
}

absl::StatusOr<std::string> WriteStatus(const ValueMaps& maps, Side side, TaskStatus status) {
  return Write(StatusesOf(maps, side), status, "status", StatusDisplayName(status), side);
}

}  // namespace crmsync::sync

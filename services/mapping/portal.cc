#include "services/mapping/portal.h"

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "libs/common/bounds.h"
#include "libs/common/status_macros.h"
#include "nlohmann/json.hpp"
#include "services/mapping/match_key.h"
#include "services/mapping/validation.h"

namespace crmsync::mapping {
namespace {

constexpr Priority kPriorities[] = {Priority::kNone, Priority::kLow, Priority::kMedium,
                                    Priority::kHigh};
constexpr TaskStatus kStatuses[] = {TaskStatus::kOpen, TaskStatus::kClosed};

absl::string_view CanonicalName(Priority p) {
  switch (p) {
    case Priority::kNone:
      return "PRIORITY_NONE";
    case Priority::kLow:
      return "PRIORITY_LOW";
    case Priority::kMedium:
      return "PRIORITY_MEDIUM";
    case Priority::kHigh:
      return "PRIORITY_HIGH";
    case Priority::kUnspecified:
      break;
  }
  return "PRIORITY_UNSPECIFIED";
}

absl::string_view CanonicalName(TaskStatus s) {
  switch (s) {
    case TaskStatus::kOpen:
      return "TASK_STATUS_OPEN";
    case TaskStatus::kClosed:
      return "TASK_STATUS_CLOSED";
    case TaskStatus::kUnspecified:
      break;
  }
  return "TASK_STATUS_UNSPECIFIED";
}

bool Known(Priority p) { return p >= Priority::kNone && p <= Priority::kHigh; }
bool Known(TaskStatus s) { return s >= TaskStatus::kOpen && s <= TaskStatus::kClosed; }

Priority CanonicalOf(const PriorityEntry& e) { return e.priority; }
TaskStatus CanonicalOf(const StatusEntry& e) { return e.status; }

// Checks one map; `Canonical` is Priority or TaskStatus, `all` every canonical value.
template <typename Entry, typename Canonical, size_t N>
absl::Status ValidateMap(const std::vector<Entry>& entries, const Canonical (&all)[N],
                         absl::string_view map, absl::string_view canonical_field) {
  if (entries.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(CheckMaxCount(map, entries.size(), kMaxValueMapEntries));
  std::map<std::string, size_t> seen;  // folded side value → first entry
  std::map<Canonical, std::vector<size_t>> writers;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const std::string where = absl::StrCat(map, "[", i, "]");
    // Stored as JSON text, which holds UTF-8 only.
    if (!IsWellFormedUtf8(e.side_value)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".side_value: not valid UTF-8"));
    }
    if (CodePointCount(e.side_value) > kMaxNameLength) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".side_value: longer than ", kMaxNameLength, " characters"));
    }
    const Canonical c = CanonicalOf(e);
    if (c == Canonical::kUnspecified) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".", canonical_field, ": ",
                                                     CanonicalName(c), " for side_value \"",
                                                     e.side_value, "\""));
    }
    if (!Known(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".", canonical_field, ": unknown value ", static_cast<int>(c)));
    }
    const auto [it, inserted] = seen.emplace(FoldCase(e.side_value), i);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": side_value \"", e.side_value, "\" repeats entry ", it->second, " (\"",
          entries[it->second].side_value, "\"); side values compare case-insensitively"));
    }
    if (e.write) writers[c].push_back(i);
  }
  for (Canonical c : all) {
    const auto& w = writers[c];
    if (w.size() == 1) continue;
    if (w.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          map, ": ", CanonicalName(c), " has no entry with write = true (exactly one is needed)"));
    }
    return absl::InvalidArgumentError(absl::StrCat(map, "[", w[1], "]: a second write entry for ",
                                                   CanonicalName(c), " (entry ", w[0],
                                                   " is one already)"));
  }
  return absl::OkStatus();
}

nlohmann::json EntriesToJson(const std::vector<PriorityEntry>& entries) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : entries) {
    out.push_back({{"side_value", e.side_value},
                   {"canonical", static_cast<int>(e.priority)},
                   {"write", e.write}});
  }
  return out;
}

nlohmann::json EntriesToJson(const std::vector<StatusEntry>& entries) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : entries) {
    out.push_back({{"side_value", e.side_value},
                   {"canonical", static_cast<int>(e.status)},
                   {"write", e.write}});
  }
  return out;
}

template <typename Entry, typename Canonical>
std::vector<Entry> EntriesFromJson(const nlohmann::json& json) {
  std::vector<Entry> out;
  for (const auto& e : json) {
    out.push_back(Entry{e.at("side_value").get<std::string>(),
                        static_cast<Canonical>(e.at("canonical").get<int>()),
                        e.at("write").get<bool>()});
  }
  return out;
}

}  // namespace

const ValueMaps& DefaultValueMaps() {
  static const auto* maps = new ValueMaps{
      .crm_priorities = {{"", Priority::kNone, true},
                         {"Low", Priority::kLow, true},
                         {"Lowest", Priority::kLow, false},
                         {"Normal", Priority::kMedium, true},
                         {"High", Priority::kHigh, true},
                         {"Highest", Priority::kHigh, false}},
      .projects_priorities = {{"None", Priority::kNone, true},
                              {"Low", Priority::kLow, true},
                              {"Medium", Priority::kMedium, true},
                              {"High", Priority::kHigh, true}},
      .crm_statuses = {{"Not Started", TaskStatus::kOpen, true},
                       {"Deferred", TaskStatus::kOpen, false},
                       {"In Progress", TaskStatus::kOpen, false},
                       {"Waiting for input", TaskStatus::kOpen, false},
                       {"Waiting on someone else", TaskStatus::kOpen, false},
                       {"Completed", TaskStatus::kClosed, true}},
      .projects_statuses = {{"Open", TaskStatus::kOpen, true},
                            {"Closed", TaskStatus::kClosed, true}},
  };
  return *maps;
}

ValueMaps EffectiveValueMaps(const ValueMaps& maps) {
  const ValueMaps& d = DefaultValueMaps();
  ValueMaps out = maps;
  if (out.crm_priorities.empty()) out.crm_priorities = d.crm_priorities;
  if (out.projects_priorities.empty()) out.projects_priorities = d.projects_priorities;
  if (out.crm_statuses.empty()) out.crm_statuses = d.crm_statuses;
  if (out.projects_statuses.empty()) out.projects_statuses = d.projects_statuses;
  return out;
}

RejectionPolicy EffectiveRejectionPolicy(RejectionPolicy policy) {
  return policy == RejectionPolicy::kUnspecified ? RejectionPolicy::kReportOnly : policy;
}

absl::Status ValidateValueMaps(const ValueMaps& maps, absl::string_view field) {
  RETURN_IF_ERROR(ValidateMap(maps.crm_priorities, kPriorities,
                              absl::StrCat(field, ".crm_priorities"), "priority"));
  RETURN_IF_ERROR(ValidateMap(maps.projects_priorities, kPriorities,
                              absl::StrCat(field, ".projects_priorities"), "priority"));
  RETURN_IF_ERROR(
      ValidateMap(maps.crm_statuses, kStatuses, absl::StrCat(field, ".crm_statuses"), "status"));
  return ValidateMap(maps.projects_statuses, kStatuses, absl::StrCat(field, ".projects_statuses"),
                     "status");
}

absl::Status ValidatePortalSettings(const PortalSettings& settings) {
  RETURN_IF_ERROR(ValidateId(settings.portal_id, "portal.portal_id"));
  RETURN_IF_ERROR(ValidateName(settings.name, "portal.name", kMaxPortalNameLength));
  RETURN_IF_ERROR(ValidateId(settings.crm_org_id, "portal.crm_org_id"));
  const int policy = static_cast<int>(settings.rejection_policy);
  if (policy < 0 || policy > static_cast<int>(RejectionPolicy::kReportAndRestore)) {
    return absl::InvalidArgumentError(
        absl::StrCat("portal.rejection_policy: unknown value ", policy));
  }
  return ValidateValueMaps(settings.value_maps, "portal.value_maps");
}

absl::string_view RejectionPolicyName(RejectionPolicy policy) {
  return EffectiveRejectionPolicy(policy) == RejectionPolicy::kReportAndRestore
             ? "report_and_restore"
             : "report_only";
}

absl::StatusOr<RejectionPolicy> RejectionPolicyFromName(absl::string_view name) {
  if (name == "report_only") return RejectionPolicy::kReportOnly;
  if (name == "report_and_restore") return RejectionPolicy::kReportAndRestore;
  return absl::InternalError(absl::StrCat("stored rejection policy is unknown: ", name));
}

std::string ValueMapsToJson(const ValueMaps& maps) {
  return nlohmann::json{{"crm_priorities", EntriesToJson(maps.crm_priorities)},
                        {"projects_priorities", EntriesToJson(maps.projects_priorities)},
                        {"crm_statuses", EntriesToJson(maps.crm_statuses)},
                        {"projects_statuses", EntriesToJson(maps.projects_statuses)}}
      .dump();
}

absl::StatusOr<ValueMaps> ValueMapsFromJson(absl::string_view text) {
  try {
    const auto json = nlohmann::json::parse(text);
    ValueMaps maps;
    maps.crm_priorities = EntriesFromJson<PriorityEntry, Priority>(json.at("crm_priorities"));
    maps.projects_priorities =
        EntriesFromJson<PriorityEntry, Priority>(json.at("projects_priorities"));
    maps.crm_statuses = EntriesFromJson<StatusEntry, TaskStatus>(json.at("crm_statuses"));
    maps.projects_statuses = EntriesFromJson<StatusEntry, TaskStatus>(json.at("projects_statuses"));
    return maps;
  } catch (const nlohmann::json::exception& e) {
    return absl::InternalError(absl::StrCat("stored value maps do not decode: ", e.what()));
  }
}

}  // namespace crmsync::mapping

// Fuzz target: a portal's value maps, from mapping's checks (services/mapping/portal.h) to sync's
// translations (services/sync/change/value_maps.h). The input is lines "<map><canonical><write>
// <side value>": map 'c' / 'p' for the CRM / Projects priorities, 'C' / 'P' for the statuses;
// canonical a digit (other bytes give unknown values); write '1' or not. Invariants: every map
// ValidateValueMaps accepts survives its JSON storage unchanged, and sync, given its effective
// maps, reads each side value back as its canonical value and writes every canonical value as a
// side value that reads back as that value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "services/mapping/portal.h"
#include "services/sync/change/value_maps.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace mapping = crmsync::mapping;
namespace sync = crmsync::sync;
using crmsync::Side;

mapping::ValueMaps MapsOf(absl::string_view input) {
  mapping::ValueMaps maps;
  for (absl::string_view line : absl::StrSplit(input, '\n')) {
    if (line.size() < 3) continue;
    const int canonical = line[1] - '0';
    const bool write = line[2] == '1';
    const std::string side_value(line.substr(3));
    switch (line[0]) {
      case 'c':
        maps.crm_priorities.push_back({side_value, mapping::Priority(canonical), write});
        break;
      case 'p':
        maps.projects_priorities.push_back({side_value, mapping::Priority(canonical), write});
        break;
      case 'C':
        maps.crm_statuses.push_back({side_value, mapping::TaskStatus(canonical), write});
        break;
      case 'P':
        maps.projects_statuses.push_back({side_value, mapping::TaskStatus(canonical), write});
        break;
      default:
        break;
    }
  }
  return maps;
}

// What sync receives from GetPortal: the numbers of common.proto on both sides.
std::vector<sync::PriorityEntry> ToSync(const std::vector<mapping::PriorityEntry>& entries) {
  std::vector<sync::PriorityEntry> out;
  for (const auto& e : entries) {
    out.push_back({e.side_value, sync::Priority(static_cast<int>(e.priority)), e.write});
  }
  return out;
}

std::vector<sync::StatusEntry> ToSync(const std::vector<mapping::StatusEntry>& entries) {
  std::vector<sync::StatusEntry> out;
  for (const auto& e : entries) {
    out.push_back({e.side_value, sync::TaskStatus(static_cast<int>(e.status)), e.write});
  }
  return out;
}

void CheckSync(const sync::ValueMaps& maps, Side side,
               const std::vector<sync::PriorityEntry>& priorities,
               const std::vector<sync::StatusEntry>& statuses) {
  for (const auto& e : priorities) {
    absl::StatusOr<sync::Priority> read = sync::ReadPriority(maps, side, e.side_value);
    FUZZ_CHECK(read.ok() && *read == e.priority);
  }
  for (const auto& e : statuses) {
    absl::StatusOr<sync::TaskStatus> read = sync::ReadStatus(maps, side, e.side_value);
    FUZZ_CHECK(read.ok() && *read == e.status);
  }
  for (sync::Priority p : {sync::Priority::kNone, sync::Priority::kLow, sync::Priority::kMedium,
                           sync::Priority::kHigh}) {
    absl::StatusOr<std::string> written = sync::WritePriority(maps, side, p);
    FUZZ_CHECK(written.ok());
    absl::StatusOr<sync::Priority> read = sync::ReadPriority(maps, side, *written);
    FUZZ_CHECK(read.ok() && *read == p);
  }
  for (sync::TaskStatus s : {sync::TaskStatus::kOpen, sync::TaskStatus::kClosed}) {
    absl::StatusOr<std::string> written = sync::WriteStatus(maps, side, s);
    FUZZ_CHECK(written.ok());
    absl::StatusOr<sync::TaskStatus> read = sync::ReadStatus(maps, side, *written);
    FUZZ_CHECK(read.ok() && *read == s);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const mapping::ValueMaps maps =
      MapsOf(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!mapping::ValidateValueMaps(maps, "portal.value_maps").ok()) return 0;

  absl::StatusOr<mapping::ValueMaps> stored =
      mapping::ValueMapsFromJson(mapping::ValueMapsToJson(maps));
  FUZZ_CHECK(stored.ok() && *stored == maps);

  const mapping::ValueMaps effective = mapping::EffectiveValueMaps(maps);
  const sync::ValueMaps translated{
      ToSync(effective.crm_priorities), ToSync(effective.projects_priorities),
      ToSync(effective.crm_statuses), ToSync(effective.projects_statuses)};
  CheckSync(translated, Side::kCrm, translated.crm_priorities, translated.crm_statuses);
  CheckSync(translated, Side::kProjects, translated.projects_priorities,
            translated.projects_statuses);
  return 0;
}

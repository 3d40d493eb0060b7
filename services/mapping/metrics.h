// Every metric family of the mapping service. No portal, account or user ids as labels.
#ifndef CRMSYNC_SERVICES_MAPPING_METRICS_H_
#define CRMSYNC_SERVICES_MAPPING_METRICS_H_

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "services/mapping/directory.h"

namespace crmsync::mapping {

struct MappingMetrics {
  explicit MappingMetrics(prometheus::Registry& registry);

  // Counts `count` new mappings made by MapAccount (kManual) or AutoMapAccounts (kAuto).
  void Mapped(MappingOrigin origin, int count = 1);
  void CandidateLookup(absl::Duration latency);
  // Records what one imported part changed.
  void Imported(const ImportCount& count);
  // A whole ImportDirectory call that succeeded took `duration`.
  void ImportFinished(absl::Duration duration);
  // An import stopped; `cause` is no_grant, rate_limited, unavailable or other.
  void ImportFailed(absl::string_view cause);

  prometheus::Family<prometheus::Counter>& mappings;  // crmsync_mapping_mappings_total{origin}
  prometheus::Histogram& candidate_lookup_seconds;    // crmsync_mapping_candidate_lookup_seconds
  // crmsync_mapping_directory_records_total{part,action}: action added, changed or removed.
  prometheus::Family<prometheus::Counter>& directory_records;
  prometheus::Histogram& import_seconds;                     // crmsync_mapping_import_seconds
  prometheus::Family<prometheus::Counter>& import_failures;  // ..._import_failures_total{cause}
};

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_METRICS_H_

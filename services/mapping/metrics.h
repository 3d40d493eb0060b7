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

  prometheus::Family<prometheus::Counter>& mappings;  // crmsync_mapping_mappings_total{origin}
  prometheus::Histogram& candidate_lookup_seconds;    // crmsync_mapping_candidate_lookup_seconds
};

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_METRICS_H_

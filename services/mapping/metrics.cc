#include "services/mapping/metrics.h"

#include "libs/metrics/metrics_endpoint.h"

namespace crmsync::mapping {
namespace {

const char* OriginName(MappingOrigin origin) {
  return origin == MappingOrigin::kAuto ? "auto" : "manual";
}

}  // namespace

MappingMetrics::MappingMetrics(prometheus::Registry& registry)
    : mappings(prometheus::BuildCounter()
                   .Name("crmsync_mapping_mappings_total")
                   .Help("Account mappings made, by origin: manual (MapAccount) or auto "
                         "(AutoMapAccounts).")
                   .Register(registry)),
      candidate_lookup_seconds(prometheus::BuildHistogram()
                                   .Name("crmsync_mapping_candidate_lookup_seconds")
                                   .Help("Duration of one ListAccountCandidates page read.")
                                   .Register(registry)
                                   .Add({}, metrics::LatencyBucketsSeconds())) {
  for (auto origin : {MappingOrigin::kManual, MappingOrigin::kAuto}) {
    mappings.Add({{"origin", OriginName(origin)}});
  }
}

void MappingMetrics::Mapped(MappingOrigin origin, int count) {
  mappings.Add({{"origin", OriginName(origin)}}).Increment(count);
}

void MappingMetrics::CandidateLookup(absl::Duration latency) {
  candidate_lookup_seconds.Observe(absl::ToDoubleSeconds(latency));
}

}  // namespace crmsync::mapping

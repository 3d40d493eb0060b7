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
                                   .Add({}, metrics::LatencyBucketsSeconds())),
      directory_records(prometheus::BuildCounter()
                            .Name("crmsync_mapping_directory_records_total")
                            .Help("Directory records an import added, changed or removed, by part.")
                            .Register(registry)),
      import_seconds(
          prometheus::BuildHistogram()
              .Name("crmsync_mapping_import_seconds")
              .Help("Duration of a successful ImportDirectory call.")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.1, 0.5, 1, 5, 10, 30, 60, 120, 300,
                                                               600, 1800})),
      import_failures(prometheus::BuildCounter()
                          .Name("crmsync_mapping_import_failures_total")
                          .Help("ImportDirectory calls that stopped, by cause: no_grant, "
                                "rate_limited, unavailable, other.")
                          .Register(registry)) {
  for (auto origin : {MappingOrigin::kManual, MappingOrigin::kAuto}) {
    mappings.Add({{"origin", OriginName(origin)}});
  }
  for (const char* cause : {"no_grant", "rate_limited", "unavailable", "other"}) {
    import_failures.Add({{"cause", cause}});
  }
}

void MappingMetrics::Mapped(MappingOrigin origin, int count) {
  mappings.Add({{"origin", OriginName(origin)}}).Increment(count);
}

void MappingMetrics::Imported(const ImportCount& count) {
  const std::string part(PartName(count.part));
  directory_records.Add({{"part", part}, {"action", "added"}}).Increment(count.created);
  directory_records.Add({{"part", part}, {"action", "changed"}}).Increment(count.updated);
  directory_records.Add({{"part", part}, {"action", "removed"}}).Increment(count.removed);
}

void MappingMetrics::ImportFinished(absl::Duration duration) {
  import_seconds.Observe(absl::ToDoubleSeconds(duration));
}

void MappingMetrics::ImportFailed(absl::string_view cause) {
  import_failures.Add({{"cause", std::string(cause)}}).Increment();
}

void MappingMetrics::CandidateLookup(absl::Duration latency) {
  candidate_lookup_seconds.Observe(absl::ToDoubleSeconds(latency));
}

}  // namespace crmsync::mapping

// The portal settings, user links, and projects' account mappings and deals, read from
// crmsync-mapping over gRPC. A portal's settings
// are kept for `portal_ttl` (sync reads them for every change), so a portal change takes effect
// within that time.
#ifndef CRMSYNC_SERVICES_SYNC_MAPPING_READS_H_
#define CRMSYNC_SERVICES_SYNC_MAPPING_READS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "libs/common/clock.h"
#include "services/sync/reads.h"

namespace crmsync::sync {

class MappingReads : public PortalSettingsSource, public UserDirectory, public ProjectDirectory {
 public:
  // `mapping` is a channel to crmsync-mapping that carries sync's caller token; `clock` must
  // outlive this.
  MappingReads(std::shared_ptr<grpc::Channel> mapping, const Clock& clock,
               absl::Duration portal_ttl);

  // NOT_FOUND as mapping answers it; UNAVAILABLE when mapping does not answer in time;
  // DEADLINE_EXCEEDED when `deadline` passes first.
  absl::StatusOr<PortalConfig> Get(absl::string_view portal_id, absl::Time deadline) override;
  absl::StatusOr<std::optional<Owner>> OwnerById(absl::string_view portal_id, Side side,
                                                 absl::string_view user_id,
                                                 absl::Time deadline) override;
  absl::StatusOr<DirectoryProject> Project(absl::string_view portal_id,
                                           absl::string_view project_id,
                                           absl::Time deadline) override;
  absl::StatusOr<std::vector<std::string>> ProjectDealIds(absl::string_view portal_id,
                                                          absl::string_view project_id,
                                                          absl::Time deadline) override;

 private:
  struct Cached {
    PortalConfig config;
    absl::Time expiry;
  };

  std::unique_ptr<mapping::v1::MappingService::Stub> stub_;
  const Clock& clock_;
  const absl::Duration portal_ttl_;
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Cached> portals_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_MAPPING_READS_H_

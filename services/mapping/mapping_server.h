// The crmsync.mapping.v1.MappingService gRPC adapter: validates requests (INVALID_ARGUMENT naming
// the field), calls MappingStore, and maps results and page tokens back to protos. GetPortal is
// answered from memory for up to `portal_cache_ttl` (sync calls it for every change).
#ifndef CRMSYNC_SERVICES_MAPPING_MAPPING_SERVER_H_
#define CRMSYNC_SERVICES_MAPPING_MAPPING_SERVER_H_

#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "libs/common/clock.h"
#include "services/mapping/directory_import.h"
#include "services/mapping/metrics.h"
#include "services/mapping/store.h"

namespace crmsync::mapping {

// The portal as GetPortal returns it: effective value maps and rejection policy.
v1::Portal ToProto(const Portal& portal);
// The settings of an UpsertPortal request, unchecked (ValidatePortalSettings checks them).
PortalSettings SettingsFromProto(const v1::Portal& portal);

class MappingServer final : public v1::MappingService::Service {
 public:
  // Everything must outlive the server. Without an `importer` (no auth service configured)
  // ImportDirectory is FAILED_PRECONDITION. While `ready` is false (schema not migrated,
  // database not answering) every call is UNAVAILABLE.
  MappingServer(
      MappingStore& store, const Clock& clock, MappingMetrics& metrics,
      absl::Duration portal_cache_ttl, DirectoryImporter* importer = nullptr,
      std::function<bool()> ready = [] { return true; })
      : store_(store),
        clock_(clock),
        metrics_(metrics),
        portal_cache_ttl_(portal_cache_ttl),
        importer_(importer),
        ready_(std::move(ready)) {}

  grpc::Status GetPortal(grpc::ServerContext* context, const v1::GetPortalRequest* request,
                         v1::GetPortalResponse* response) override;
  grpc::Status UpsertPortal(grpc::ServerContext* context, const v1::UpsertPortalRequest* request,
                            v1::UpsertPortalResponse* response) override;
  grpc::Status ListPortals(grpc::ServerContext* context, const v1::ListPortalsRequest* request,
                           v1::ListPortalsResponse* response) override;
  grpc::Status GetProject(grpc::ServerContext* context, const v1::GetProjectRequest* request,
                          v1::GetProjectResponse* response) override;
  grpc::Status ListAccountCandidates(grpc::ServerContext* context,
                                     const v1::ListAccountCandidatesRequest* request,
                                     v1::ListAccountCandidatesResponse* response) override;
  grpc::Status MapAccount(grpc::ServerContext* context, const v1::MapAccountRequest* request,
                          v1::MapAccountResponse* response) override;
  grpc::Status UnmapAccount(grpc::ServerContext* context, const v1::UnmapAccountRequest* request,
                            v1::UnmapAccountResponse* response) override;
  grpc::Status AutoMapAccounts(grpc::ServerContext* context,
                               const v1::AutoMapAccountsRequest* request,
                               v1::AutoMapAccountsResponse* response) override;
  grpc::Status ListProjectDeals(grpc::ServerContext* context,
                                const v1::ListProjectDealsRequest* request,
                                v1::ListProjectDealsResponse* response) override;
  grpc::Status MapDealToProject(grpc::ServerContext* context,
                                const v1::MapDealToProjectRequest* request,
                                v1::MapDealToProjectResponse* response) override;
  grpc::Status UnmapDeal(grpc::ServerContext* context, const v1::UnmapDealRequest* request,
                         v1::UnmapDealResponse* response) override;
  grpc::Status LookupUser(grpc::ServerContext* context, const v1::LookupUserRequest* request,
                          v1::LookupUserResponse* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context, const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override;
  grpc::Status ImportDirectory(grpc::ServerContext* context,
                               const v1::ImportDirectoryRequest* request,
                               v1::ImportDirectoryResponse* response) override;

 private:
  struct CachedPortal {
    v1::Portal portal;
    absl::Time expiry;
  };

  MappingStore& store_;
  const Clock& clock_;
  MappingMetrics& metrics_;
  const absl::Duration portal_cache_ttl_;
  DirectoryImporter* const importer_;
  std::function<bool()> ready_;
  absl::Mutex cache_mutex_;
  absl::flat_hash_map<std::string, CachedPortal> portal_cache_ ABSL_GUARDED_BY(cache_mutex_);
};

}  // namespace crmsync::mapping

#endif  // CRMSYNC_SERVICES_MAPPING_MAPPING_SERVER_H_

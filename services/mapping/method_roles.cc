#include "services/mapping/method_roles.h"

namespace crmsync::mapping {

MethodRoles MappingMethodRoles() {
  return {
      {"/crmsync.mapping.v1.MappingService/GetPortal", CallerRole::kReader},
      {"/crmsync.mapping.v1.MappingService/UpsertPortal", CallerRole::kAdmin},
      {"/crmsync.mapping.v1.MappingService/ListPortals", CallerRole::kReader},
      {"/crmsync.mapping.v1.MappingService/GetProject", CallerRole::kReader},
      {"/crmsync.mapping.v1.MappingService/ListAccountCandidates", CallerRole::kReader},
      {"/crmsync.mapping.v1.MappingService/MapAccount", CallerRole::kAdmin},
      {"/crmsync.mapping.v1.MappingService/UnmapAccount", CallerRole::kAdmin},
      {"/crmsync.mapping.v1.MappingService/AutoMapAccounts", CallerRole::kAdmin},
      {"/crmsync.mapping.v1.MappingService/ListProjectDeals", CallerRole::kReader},
      {"/crmsync.mapping.v1.MappingService/MapDealToProject", CallerRole::kAdmin},
      {"/crmsync.mapping.v1.MappingService/UnmapDeal", CallerRole::kAdmin},
      {"/crmsync.mapping.v1.MappingService/LookupUser", CallerRole::kReader},
      {"/crmsync.mapping.v1.MappingService/ListUsers", CallerRole::kReader},
      {"/crmsync.mapping.v1.MappingService/ImportDirectory", CallerRole::kAdmin},
  };
}

}  // namespace crmsync::mapping

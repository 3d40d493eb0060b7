// absl::Status ↔ grpc::Status at the edge of a service. The codes are the same numbers.
#ifndef CRMSYNC_LIBS_GRPC_SERVER_STATUS_H_
#define CRMSYNC_LIBS_GRPC_SERVER_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace crmsync {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_GRPC_SERVER_STATUS_H_

#include "libs/grpc_server/deadline.h"

#include <chrono>

namespace crmsync {

absl::Time CallerDeadline(const grpc::ServerContextBase& context) {
  // gRPC reports "no deadline" as the largest time point.
  const std::chrono::system_clock::time_point deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

}  // namespace crmsync

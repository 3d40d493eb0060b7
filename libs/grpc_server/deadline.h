// The caller's gRPC deadline as an absl::Time, so that the work a call does on its caller's
// behalf (database statements, outbound calls, waits) can be bounded by it.
#ifndef CRMSYNC_LIBS_GRPC_SERVER_DEADLINE_H_
#define CRMSYNC_LIBS_GRPC_SERVER_DEADLINE_H_

#include <grpcpp/server_context.h>

#include "absl/time/time.h"

namespace crmsync {

// When the caller stops waiting for this call: its deadline, or absl::InfiniteFuture() when it
// set none. Works for ServerContext and CallbackServerContext alike.
absl::Time CallerDeadline(const grpc::ServerContextBase& context);

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_GRPC_SERVER_DEADLINE_H_

// A loopback TCP port for a server a test starts with a fixed port (one that cannot be told to
// pick its own, or for which 0 means "off").
#ifndef CRMSYNC_TESTS_SUPPORT_PROCESS_FREE_PORT_H_
#define CRMSYNC_TESTS_SUPPORT_PROCESS_FREE_PORT_H_

#include "absl/status/statusor.h"

namespace crmsync::testing {

// A TCP port nothing listens on now (the kernel's pick); the server binds it moments later.
absl::StatusOr<int> FreePort();

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_PROCESS_FREE_PORT_H_

// The caller role each RPC of crmsync-sync needs, as its proto's "Role:" lines state it
// (tests/services/method_roles_test checks that the two agree for every method).
#ifndef CRMSYNC_SERVICES_SYNC_METHOD_ROLES_H_
#define CRMSYNC_SERVICES_SYNC_METHOD_ROLES_H_

#include "libs/grpc_server/caller_auth.h"

namespace crmsync::sync {

MethodRoles SyncMethodRoles();

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_METHOD_ROLES_H_

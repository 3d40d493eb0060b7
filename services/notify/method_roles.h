// The caller role each RPC of crmsync-notify needs, as its proto's "Role:" lines state it
// (tests/services/method_roles_test checks that the two agree for every method).
#ifndef CRMSYNC_SERVICES_NOTIFY_METHOD_ROLES_H_
#define CRMSYNC_SERVICES_NOTIFY_METHOD_ROLES_H_

#include "libs/grpc_server/caller_auth.h"

namespace crmsync::notify {

MethodRoles NotifyMethodRoles();

}  // namespace crmsync::notify

#endif  // CRMSYNC_SERVICES_NOTIFY_METHOD_ROLES_H_

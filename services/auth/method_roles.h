// The caller role each RPC of crmsync-auth needs, as its proto's "Role:" lines state it
// (tests/services/method_roles_test checks that the two agree for every method).
#ifndef CRMSYNC_SERVICES_AUTH_METHOD_ROLES_H_
#define CRMSYNC_SERVICES_AUTH_METHOD_ROLES_H_

#include "libs/grpc_server/caller_auth.h"

namespace crmsync::auth {

MethodRoles AuthMethodRoles();

}  // namespace crmsync::auth

#endif  // CRMSYNC_SERVICES_AUTH_METHOD_ROLES_H_

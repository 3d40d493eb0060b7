// Caller authentication and authorisation for every crmsync gRPC server (protos: auth.proto
// "Caller authentication", common.proto "Errors", each RPC's "Role:").
//
// One interceptor, installed by the runtime, judges every call except gRPC health and server
// reflection once its request has arrived:
//   * `authorization: Bearer <caller token>` is required and verified by the service's
//     CallerAuthenticator; missing, unknown, expired or revoked → UNAUTHENTICATED, whose message
//     never echoes the token; the authenticator unreachable → UNAVAILABLE (never open);
//   * the method's role comes from the service's MethodRoles; a method without an entry is
//     refused (PERMISSION_DENIED), so a new RPC is closed until it is given a role;
//   * every `portal_id` and `portal_ids` field the request carries, at any depth (inside
//     batches too), must be one of the token's portals; a token restricted to portals may not
//     call an RPC whose request names no portal (it could read or change any portal).
// Each refusal is logged (info) with the method, the code and the caller's name when known; each
// accepted call at debug level with the caller's name.
// gRPC's C++ server interceptors cannot end a call, so the verdict is kept for the call and every
// handler's first statement is CRMSYNC_RETURN_IF_CALLER_REFUSED(context): a refused call returns
// before the handler reads or writes anything.
#ifndef CRMSYNC_LIBS_GRPC_SERVER_CALLER_AUTH_H_
#define CRMSYNC_LIBS_GRPC_SERVER_CALLER_AUTH_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/common/clock.h"

namespace crmsync {

// The values of crmsync.auth.v1.CallerRole.
enum class CallerRole { kReader = 1, kWriter = 2, kAdmin = 3, kService = 4 };

// "READER", "WRITER", "ADMIN", "SERVICE".
absl::string_view CallerRoleName(CallerRole role);

// Who presented a caller token, as auth knows it.
struct Caller {
  std::string caller_token_id;
  std::string name;
  std::vector<CallerRole> roles;
  std::vector<std::string> portal_ids;  // empty: every portal
};

// AuthenticateCaller's UNAUTHENTICATED message about the token it was asked to verify, which
// says nothing of why. (The interceptor's own refusals say "caller token not accepted", so a
// service can tell its own token refused from the one it asked about.)
inline constexpr char kPresentedTokenRefused[] = "the presented caller token is not accepted";

// Whether `caller` holds a role that covers `needed`: READER < WRITER < ADMIN, each including
// the ones before; SERVICE covers WRITER (and READER) and the service-only RPCs.
bool HasRole(const Caller& caller, CallerRole needed);

// Whether `caller` may act on `portal_id`.
bool MayActOnPortal(const Caller& caller, absl::string_view portal_id);

class CallerAuthenticator {
 public:
  virtual ~CallerAuthenticator() = default;
  // The caller `token` belongs to. UNAUTHENTICATED when the token is unknown, malformed, expired
  // or revoked (the message says nothing more and never carries the token); UNAVAILABLE (or
  // DEADLINE_EXCEEDED) when it cannot be verified now.
  virtual absl::StatusOr<Caller> Authenticate(absl::string_view token) = 0;
};

// Serves positive answers of `inner` from memory for at most `ttl` (so a revocation takes effect
// within `ttl`); refusals and outages are never cached, so a token issued a moment ago is never
// locked out. Thread-safe. Tokens are kept only as SHA-256 digests.
class CachingAuthenticator : public CallerAuthenticator {
 public:
  CachingAuthenticator(CallerAuthenticator& inner, const Clock& clock,
                       absl::Duration ttl = absl::Seconds(60));
  absl::StatusOr<Caller> Authenticate(absl::string_view token) override;

 private:
  struct Entry {
    Caller caller;
    absl::Time expires;
  };
  CallerAuthenticator& inner_;
  const Clock& clock_;
  const absl::Duration ttl_;
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Entry> cache_ ABSL_GUARDED_BY(mutex_);
};

// The role each method needs, by full method name ("/crmsync.auth.v1.AuthService/GetGrant").
using MethodRoles = absl::flat_hash_map<std::string, CallerRole>;

// The interceptor factory the runtime installs. `authenticator` must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeCallerAuthFactory(
    CallerAuthenticator& authenticator, MethodRoles roles);

// The verdict on this call: OK, or the refusal the handler must return unchanged. A call the
// interceptor never judged (no interceptor installed) is refused as well.
grpc::Status CallerRefusal(const grpc::ServerContextBase* context);

// The authenticated caller of this call; nullptr unless CallerRefusal is OK.
const Caller* CallerOf(const grpc::ServerContextBase* context);

// The caller's name for logs and created_by fields; "" when there is none.
std::string CallerName(const grpc::ServerContextBase* context);

}  // namespace crmsync

// First statement of every synchronous RPC handler. A callback handler finishes its reactor with
// a refusal of CallerRefusal instead.
#define CRMSYNC_RETURN_IF_CALLER_REFUSED(context)                                                  \
  do {                                                                                             \
    if (grpc::Status crmsync_refusal = ::crmsync::CallerRefusal(context); !crmsync_refusal.ok()) { \
      return crmsync_refusal;                                                                      \
    }                                                                                              \
  } while (false)

#endif  // CRMSYNC_LIBS_GRPC_SERVER_CALLER_AUTH_H_

// What sync reads from crmsync-auth besides tokens: the state of a portal's grants, from GetGrant
// (no token is minted), so Add to CRM refuses a task whose CRM task could not be written; and how
// every call to auth is set up.
#ifndef CRMSYNC_SERVICES_SYNC_AUTH_READS_H_
#define CRMSYNC_SERVICES_SYNC_AUTH_READS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "services/sync/reads.h"

namespace crmsync::sync {

// Bounds a call to auth by `timeout` or the caller's `deadline`, whichever comes first (auth
// bounds its own work by it).
void PrepareAuthCall(grpc::ClientContext& context, absl::Duration timeout, absl::Time deadline);

class AuthGrantStates : public GrantStates {
 public:
  // `auth` is a channel to crmsync-auth that carries sync's caller token.
  explicit AuthGrantStates(std::shared_ptr<grpc::Channel> auth);

  absl::Status CheckActive(absl::string_view portal_id, Side side, absl::Time deadline) override;

 private:
  std::unique_ptr<auth::v1::AuthService::Stub> auth_;
};

}  // namespace crmsync::sync

#endif  // CRMSYNC_SERVICES_SYNC_AUTH_READS_H_

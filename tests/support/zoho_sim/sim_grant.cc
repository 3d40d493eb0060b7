#include "tests/support/zoho_sim/sim_grant.h"

#include "crmsync/auth/v1/auth.grpc.pb.h"

namespace crmsync::testing {

grpc::Status RegisterSimGrant(const std::shared_ptr<grpc::Channel>& auth, const ZohoSimProcess& sim,
                              const SimGrant& grant) {
  auth::v1::RegisterGrantRequest request;
  request.set_portal_id(grant.portal_id);
  request.set_side(grant.side);
  request.set_accounts_server_url(sim.base_url());
  request.set_api_domain(sim.base_url());
  request.set_client_id(grant.client_id);
  request.set_client_secret(grant.client_secret);
  request.set_refresh_token(grant.refresh_token);
  for (const std::string& scope : grant.scopes) request.add_scopes(scope);
  request.set_owner_email(grant.owner_email);
  grpc::ClientContext context;
  auth::v1::RegisterGrantResponse response;
  return auth::v1::AuthService::NewStub(auth)->RegisterGrant(&context, request, &response);
}

}  // namespace crmsync::testing

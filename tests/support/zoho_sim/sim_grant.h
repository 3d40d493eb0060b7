// Registers with crmsync-auth a grant whose accounts server and API are a zoho-sim's, as an
// operator registers a portal's grant: for the end-to-end tests that need auth to mint tokens.
#ifndef CRMSYNC_TESTS_SUPPORT_ZOHO_SIM_SIM_GRANT_H_
#define CRMSYNC_TESTS_SUPPORT_ZOHO_SIM_SIM_GRANT_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "crmsync/common/v1/common.pb.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::testing {

// A grant of `portal_id` on `side`: the sim's OAuth client and a refresh token it seeded.
struct SimGrant {
  std::string portal_id;
  common::v1::Side side = common::v1::SIDE_UNSPECIFIED;
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
  std::vector<std::string> scopes;
  std::string owner_email;
};

// Calls AuthService.RegisterGrant on `auth` with `grant`, pointed at `sim`; its status.
grpc::Status RegisterSimGrant(const std::shared_ptr<grpc::Channel>& auth, const ZohoSimProcess& sim,
                              const SimGrant& grant);

}  // namespace crmsync::testing

#endif  // CRMSYNC_TESTS_SUPPORT_ZOHO_SIM_SIM_GRANT_H_

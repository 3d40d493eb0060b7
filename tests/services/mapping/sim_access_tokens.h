// AccessTokens minted at zoho-sim's accounts endpoint (real tokens of one grant for both APIs),
// for the mapping tests and benchmark that import from zoho-sim without crmsync-auth.
#ifndef CRMSYNC_TESTS_SERVICES_MAPPING_SIM_ACCESS_TOKENS_H_
#define CRMSYNC_TESTS_SERVICES_MAPPING_SIM_ACCESS_TOKENS_H_

#include <string>
#include <vector>

#include "services/mapping/access_tokens.h"
#include "tests/support/zoho_sim/zoho_sim_process.h"

namespace crmsync::mapping {

class SimAccessTokens : public AccessTokens {
 public:
  // The grant of `refresh_token`, minted with the OAuth client `client_id` / `client_secret`.
  SimAccessTokens(testing::ZohoSimProcess& sim, std::string client_id, std::string client_secret,
                  std::string refresh_token)
      : sim_(sim),
        client_id_(std::move(client_id)),
        client_secret_(std::move(client_secret)),
        refresh_token_(std::move(refresh_token)) {}

  // One token, minted again when Zoho rejected it.
  absl::StatusOr<ApiToken> Get(absl::string_view, Side, const std::vector<std::string>&,
                               absl::string_view rejected, absl::Time) override {
    if (token_.empty() || rejected == token_) {
      auto minted = sim_.MintAccessToken(client_id_, client_secret_, refresh_token_);
      if (!minted.ok()) return minted.status();
      token_ = *minted;
    }
    return ApiToken{token_, sim_.base_url()};
  }

 private:
  testing::ZohoSimProcess& sim_;
  const std::string client_id_;
  const std::string client_secret_;
  const std::string refresh_token_;
  std::string token_;
};

}  // namespace crmsync::mapping

#endif  // CRMSYNC_TESTS_SERVICES_MAPPING_SIM_ACCESS_TOKENS_H_

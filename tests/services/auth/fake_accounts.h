// An Accounts double for auth's tests: counts mints and revocations, answers scripted errors,
// and remembers which credentials it was handed.
#ifndef CRMSYNC_TESTS_SERVICES_AUTH_FAKE_ACCOUNTS_H_
#define CRMSYNC_TESTS_SERVICES_AUTH_FAKE_ACCOUNTS_H_

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/auth/accounts.h"

namespace crmsync::auth::testing {

class FakeAccounts : public Accounts {
 public:
  absl::StatusOr<zoho::AccessToken> Mint(absl::string_view accounts_server_url,
                                         const zoho::OAuthClient& client,
                                         absl::string_view refresh_token,
                                         const zoho::CallBounds&) override {
    const int n = ++mint_calls;
    absl::SleepFor(mint_delay);
    if (during_mint) during_mint(n);
    std::lock_guard lock(mutex);
    last_client_secret = client.client_secret;
    last_refresh_token = std::string(refresh_token);
    if (!mint_errors.empty()) {
      absl::Status error = mint_errors.front();
      if (mint_errors.size() > 1 || !repeat_last_error) mint_errors.pop_front();
      return error;
    }
    return zoho::AccessToken{absl::StrCat("1000.access.", n), expires_in, api_domain, "Bearer",
                             std::nullopt};
  }

  absl::Status Revoke(absl::string_view accounts_server_url,
                      absl::string_view refresh_token) override {
    ++revoke_calls;
    std::lock_guard lock(mutex);
    last_revoked = std::string(refresh_token);
    return revoke_status;
  }

  // Queues errors for the next mints; with repeat_last_error the last one answers for ever.
  void FailMints(std::deque<absl::Status> errors, bool repeat_last = false) {
    std::lock_guard lock(mutex);
    mint_errors = std::move(errors);
    repeat_last_error = repeat_last;
  }

  std::atomic<int> mint_calls{0};
  std::atomic<int> revoke_calls{0};
  absl::Duration mint_delay = absl::ZeroDuration();
  // Runs inside mint `n` (1-based) before it answers: what happens elsewhere meanwhile.
  std::function<void(int n)> during_mint;
  absl::Duration expires_in = absl::Hours(1);
  // The data centre's API host the token replies name, whatever the grant registered.
  std::string api_domain = "https://www.zohoapis.eu";
  std::mutex mutex;
  std::deque<absl::Status> mint_errors;
  bool repeat_last_error = false;
  absl::Status revoke_status;
  std::string last_client_secret;
  std::string last_refresh_token;
  std::string last_revoked;
};

}  // namespace crmsync::auth::testing

#endif  // CRMSYNC_TESTS_SERVICES_AUTH_FAKE_ACCOUNTS_H_

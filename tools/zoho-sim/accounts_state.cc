// The accounts server's part of SimState: OAuth clients, grant codes, grants, token mints and
// their limits,
// and the API limits: Projects calls per token, CRM calls in flight per user, CRM credits.
#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/zoho-sim/sim_state.h"

namespace crmsync::zoho_sim {
namespace {

std::string Param(const Params& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

Reply TokenError(const std::string& error) {
  return Reply{.status = 200, .body = {{"error", error}}};
}

}  // namespace

SimState::SimState(SimOptions options)
    : options_(std::move(options)),
      api_domain_(options_.api_domain),
      crm_credit_limit_(options_.crm_daily_credits) {}

std::string SimState::NewId() { return absl::StrCat(next_id_++); }

std::string SimState::NewToken() {
  return absl::StrFormat("1000.%016x%016x.%016x%016x", absl::Uniform<uint64_t>(random_),
                         absl::Uniform<uint64_t>(random_), absl::Uniform<uint64_t>(random_),
                         absl::Uniform<uint64_t>(random_));
}

void SimState::AddOAuthClient(const std::string& client_id, const std::string& client_secret) {
  oauth_clients_[client_id] = client_secret;
}

absl::StatusOr<std::string> SimState::AddGrant(const std::string& client_id,
                                               std::string refresh_token,
                                               const std::string& user_email,
                                               std::vector<std::string> scopes) {
  if (!oauth_clients_.contains(client_id)) {
    return absl::NotFoundError(absl::StrCat("no OAuth client \"", client_id, "\""));
  }
  if (user_email.empty()) return absl::InvalidArgumentError("user_email is required");
  if (refresh_token.empty()) refresh_token = NewToken();
  if (grants_.contains(refresh_token)) {
    return absl::AlreadyExistsError("refresh token already registered");
  }
  grants_[refresh_token] = Grant{.client_id = client_id,
                                 .user_email = user_email,
                                 .scopes = std::move(scopes),
                                 .mints = {},
                                 .live_tokens = {}};
  return refresh_token;
}

absl::StatusOr<std::string> SimState::IssueGrantCode(const std::string& client_id,
                                                     const std::string& user_email,
                                                     std::vector<std::string> scopes,
                                                     absl::Duration lifetime, absl::Time now) {
  if (!oauth_clients_.contains(client_id)) {
    return absl::NotFoundError(absl::StrCat("no OAuth client \"", client_id, "\""));
  }
  if (user_email.empty()) return absl::InvalidArgumentError("user_email is required");
  if (scopes.empty()) return absl::InvalidArgumentError("scopes: at least one is required");
  if (lifetime != absl::Minutes(3) && lifetime != absl::Minutes(5) &&
      lifetime != absl::Minutes(7) && lifetime != absl::Minutes(10)) {
    return absl::InvalidArgumentError("expiry_minutes: 3, 5, 7 or 10");
  }
  std::erase_if(grant_codes_, [now](const auto& code) { return code.second.expiry <= now; });
  std::string code = NewToken();
  grant_codes_[code] = GrantCode{.client_id = client_id,
                                 .user_email = user_email,
                                 .scopes = std::move(scopes),
                                 .expiry = now + lifetime};
  return code;
}

Reply SimState::MintToken(const Params& params, absl::Time now) {
  const std::string grant_type = Param(params, "grant_type");
  if (grant_type != "refresh_token" && grant_type != "authorization_code") {
    return Reply{.status = 400, .body = {{"error", "unsupported_grant_type"}}};
  }
  auto client = oauth_clients_.find(Param(params, "client_id"));
  if (client == oauth_clients_.end() || client->second != Param(params, "client_secret")) {
    return TokenError("invalid_client");
  }
  auto grant_it = grants_.end();
  if (grant_type == "authorization_code") {
    // A code works once, for the client it was issued to, until it expires.
    auto code = grant_codes_.find(Param(params, "code"));
    if (code == grant_codes_.end() || code->second.client_id != client->first ||
        code->second.expiry <= now) {
      return TokenError("invalid_code");
    }
    grant_it = grants_
                   .emplace(NewToken(), Grant{.client_id = client->first,
                                              .user_email = code->second.user_email,
                                              .scopes = std::move(code->second.scopes),
                                              .mints = {},
                                              .live_tokens = {}})
                   .first;
    grant_codes_.erase(code);
  } else {
    grant_it = grants_.find(Param(params, "refresh_token"));
    if (grant_it == grants_.end() || grant_it->second.client_id != client->first) {
      return TokenError("invalid_code");
    }
  }
  Grant& grant = grant_it->second;
  while (!grant.mints.empty() && grant.mints.front() <= now - options_.mint_window) {
    grant.mints.pop_front();
  }
  if (static_cast<int>(grant.mints.size()) >= options_.mints_per_window) {
    return Reply{.status = 200,
                 .body = {{"error_description",
                           "You have made too many requests continuously. Please try again "
                           "after some time."},
                          {"error", "Access Denied"},
                          {"status", "failure"}}};
  }
  grant.mints.push_back(now);
  const std::string access_token = NewToken();
  tokens_[access_token] =
      Token{.refresh_token = grant_it->first, .expiry = now + options_.token_ttl};
  grant.live_tokens.push_back(access_token);
  // Past the cap of live tokens, Zoho silently invalidates the oldest.
  while (static_cast<int>(grant.live_tokens.size()) > options_.max_active_tokens) {
    tokens_.erase(grant.live_tokens.front());
    grant.live_tokens.pop_front();
  }
  Json body = {{"access_token", access_token},
               {"expires_in", absl::ToInt64Seconds(options_.token_ttl)},
               {"api_domain", api_domain_.empty() ? base_url_ : api_domain_},
               {"token_type", "Bearer"}};
  if (!grant.scopes.empty()) {
    std::string scope;
    for (const auto& s : grant.scopes) absl::StrAppend(&scope, scope.empty() ? "" : " ", s);
    body["scope"] = scope;
  }
  if (grant_type == "authorization_code") body["refresh_token"] = grant_it->first;
  return Reply{.status = 200, .body = std::move(body)};
}

Reply SimState::RevokeToken(const std::string& token) {
  // RFC 7009: revoking an unknown token is not an error.
  if (auto grant = grants_.find(token); grant != grants_.end()) {
    for (const auto& access : grant->second.live_tokens) tokens_.erase(access);
    grants_.erase(grant);
  } else if (auto access = tokens_.find(token); access != tokens_.end()) {
    if (auto owner = grants_.find(access->second.refresh_token); owner != grants_.end()) {
      std::erase(owner->second.live_tokens, token);
    }
    tokens_.erase(access);
  }
  return Reply{.status = 200, .body = {{"status", "success"}}};
}

int SimState::ExpireAccessTokens(absl::Time now) {
  int expired = 0;
  for (auto& [access, token] : tokens_) {
    if (token.expiry <= now) continue;
    token.expiry = now;
    ++expired;
  }
  return expired;
}

std::optional<TokenOwner> SimState::Authenticate(const std::string& access_token,
                                                 absl::Time now) const {
  auto token = tokens_.find(access_token);
  if (token == tokens_.end() || token->second.expiry <= now) return std::nullopt;
  auto grant = grants_.find(token->second.refresh_token);
  if (grant == grants_.end()) return std::nullopt;
  return TokenOwner{.user_email = grant->second.user_email, .scopes = grant->second.scopes};
}

std::optional<absl::Duration> SimState::ChargeProjectsCall(const std::string& access_token,
                                                           absl::Time now) {
  std::deque<absl::Time>& calls = projects_calls_[access_token];
  while (!calls.empty() && calls.front() <= now - absl::Minutes(1)) calls.pop_front();
  if (static_cast<int>(calls.size()) >= options_.projects_requests_per_minute) {
    return calls.front() + absl::Minutes(1) - now;
  }
  calls.push_back(now);
  return std::nullopt;
}

bool SimState::BeginCrmCall(const std::string& user) {
  int& in_flight = crm_in_flight_[user];
  if (in_flight >= options_.crm_concurrent_calls_per_user) return false;
  ++in_flight;
  return true;
}

void SimState::EndCrmCall(const std::string& user) {
  if (--crm_in_flight_[user] <= 0) crm_in_flight_.erase(user);
}

void SimState::ForgetOldCrmCharges(absl::Time now) {
  while (!crm_charges_.empty() && crm_charges_.front() <= now - kCrmCreditWindow) {
    crm_charges_.pop_front();
  }
}

bool SimState::ChargeCrmCredit(absl::Time now) {
  ForgetOldCrmCharges(now);
  if (static_cast<int64_t>(crm_charges_.size()) >= crm_credit_limit_) return false;
  crm_charges_.push_back(now);
  return true;
}

int64_t SimState::CrmCreditsRemaining(absl::Time now) {
  ForgetOldCrmCharges(now);
  return std::max<int64_t>(0, crm_credit_limit_ - static_cast<int64_t>(crm_charges_.size()));
}

void SimState::SetCrmCreditsRemaining(int64_t remaining, absl::Time now) {
  ForgetOldCrmCharges(now);
  crm_credit_limit_ = remaining + static_cast<int64_t>(crm_charges_.size());
}

std::vector<Webhook> SimState::TakeOutbox() { return std::exchange(outbox_, {}); }

}  // namespace crmsync::zoho_sim

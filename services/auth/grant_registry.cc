#include "services/auth/grant_registry.h"

#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"

namespace crmsync::auth {
namespace {

nlohmann::json LogFields(const GrantKey& key) {
  return {{"portal_id", key.portal_id}, {"side", std::string(SideName(key.side))}};
}

}  // namespace

absl::StatusOr<Grant> GrantRegistry::Register(const GrantRegistration& registration) {
  if (keys_.empty()) return absl::FailedPreconditionError("no encryption key is configured");
  const GrantKey& key = registration.key;
  // An existing grant is refused before the check mint, which would spend its mint budget.
  if (!registration.replace_existing) {
    absl::StatusOr<Grant> existing = store_.GetGrant(key, absl::InfiniteFuture());
    if (existing.ok()) {
      return absl::AlreadyExistsError(absl::StrCat("a grant for portal ", key.portal_id, " side ",
                                                   SideName(key.side), " exists"));
    }
    if (!absl::IsNotFound(existing.status())) return existing.status();
  }
  const absl::Time now = clock_.Now();
  absl::StatusOr<zoho::AccessToken> minted = accounts_.Mint(
      registration.accounts_server_url, {registration.client_id, registration.client_secret},
      registration.refresh_token, {});
  if (!minted.ok()) {
    const absl::Status& error = minted.status();
    switch (error.code()) {
      case absl::StatusCode::kUnauthenticated:
        return absl::FailedPreconditionError(
            absl::StrCat("invalid_code: Zoho refused the refresh token (", error.message(), ")"));
      case absl::StatusCode::kFailedPrecondition:
        return absl::FailedPreconditionError(absl::StrCat(
            "invalid_client: Zoho refused the client id or secret (", error.message(), ")"));
      case absl::StatusCode::kResourceExhausted:
        return absl::ResourceExhaustedError(
            "Zoho throttled the check mint (Access Denied); retry later");
      case absl::StatusCode::kDeadlineExceeded:
      case absl::StatusCode::kUnavailable:
        return absl::UnavailableError(
            absl::StrCat("the accounts server is unreachable: ", error.message()));
      default:
        return absl::UnavailableError(
            absl::StrCat("the accounts server failed the check mint: ", error.message()));
    }
  }
  if (!minted->api_domain.empty()) {
    if (absl::Status host = CheckZohoUrl("api_domain", minted->api_domain, ZohoHostKind::kApiDomain,
                                         allow_loopback_http_);
        !host.ok()) {
      return absl::UnavailableError(
          absl::StrCat("the accounts server answered the check mint with an untrusted ",
                       host.message(), "; nothing was stored"));
    }
  }
  Grant grant;
  grant.key = key;
  grant.accounts_server_url = registration.accounts_server_url;
  grant.api_domain = minted->api_domain.empty() ? registration.api_domain : minted->api_domain;
  grant.client_id = registration.client_id;
  ASSIGN_OR_RETURN(grant.client_secret_sealed,
                   keys_.Seal(registration.client_secret, SealContext(key, "client_secret")));
  ASSIGN_OR_RETURN(grant.refresh_token_sealed,
                   keys_.Seal(registration.refresh_token, SealContext(key, "refresh_token")));
  ASSIGN_OR_RETURN(grant.access_token_sealed,
                   keys_.Seal(minted->access_token, SealContext(key, "access_token")));
  grant.access_token_expire_time = now + minted->expires_in;
  grant.key_id = keys_.newest_key_id();
  grant.scopes = registration.scopes;
  grant.owner_email = registration.owner_email;
  ASSIGN_OR_RETURN(Grant stored, store_.PutGrant(grant, registration.replace_existing, now));
  vendor_.Forget(key);
  nlohmann::json fields = LogFields(key);
  fields["replace_existing"] = registration.replace_existing;
  fields["key_id"] = stored.key_id;
  LogInfo("grant registered", fields);
  return stored;
}

absl::StatusOr<Grant> GrantRegistry::Get(const GrantKey& key) {
  return store_.GetGrant(key, absl::InfiniteFuture());
}

absl::StatusOr<GrantPage> GrantRegistry::List(const GrantFilter& filter, int page_size,
                                              absl::string_view page_token) {
  ASSIGN_OR_RETURN(int limit, EffectivePageSize(page_size));
  std::optional<GrantKey> after;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(after, DecodeGrantPageToken(page_token, filter));
  }
  // One row beyond the page tells whether another page follows.
  ASSIGN_OR_RETURN(std::vector<Grant> grants, store_.ListGrants(filter, after, limit + 1));
  GrantPage page;
  if (static_cast<int>(grants.size()) > limit) {
    grants.resize(limit);
    page.next_page_token = EncodeGrantPageToken(grants.back().key, filter);
  }
  page.grants = std::move(grants);
  return page;
}

absl::StatusOr<RevokedGrant> GrantRegistry::Revoke(const GrantKey& key, bool local_only) {
  ASSIGN_OR_RETURN(Grant grant, store_.GetGrant(key, absl::InfiniteFuture()));
  RevokedGrant revoked{grant, false};
  if (!local_only) {
    absl::StatusOr<std::string> refresh_token =
        keys_.Open(grant.refresh_token_sealed, SealContext(key, "refresh_token"));
    if (!refresh_token.ok()) {
      return absl::FailedPreconditionError(absl::StrCat("the refresh token cannot be decrypted (",
                                                        refresh_token.status().message(),
                                                        "); use local_only"));
    }
    absl::Status status = accounts_.Revoke(grant.accounts_server_url, *refresh_token);
    if (!status.ok()) {
      return absl::UnavailableError(
          absl::StrCat("the accounts server did not confirm the revocation (", status.message(),
                       "); nothing was deleted"));
    }
    revoked.revoked_at_zoho = true;
  }
  RETURN_IF_ERROR(store_.DeleteGrant(key));
  vendor_.Forget(key);
  nlohmann::json fields = LogFields(key);
  fields["revoked_at_zoho"] = revoked.revoked_at_zoho;
  LogInfo("grant revoked", fields);
  return revoked;
}

absl::StatusOr<RotationCounts> GrantRegistry::RotateKeys(bool dry_run) {
  if (keys_.empty()) return absl::FailedPreconditionError("no encryption key is configured");
  RotationCounts counts;
  counts.key_id = keys_.newest_key_id();
  ASSIGN_OR_RETURN(std::vector<GrantKey> keys, store_.AllGrantKeys());
  for (const GrantKey& key : keys) {
    RotationCounts grant_counts;
    absl::Status status = store_.RewriteSecrets(
        key,
        [&](const Grant& grant) -> std::optional<SealedSecrets> {
          grant_counts = RotationCounts{};
          SealedSecrets secrets{grant.client_secret_sealed, grant.refresh_token_sealed,
                                grant.access_token_sealed, counts.key_id};
          auto reseal = [&](std::string& sealed, absl::string_view field) {
            absl::StatusOr<std::string> key_id = crypto::SealedKeyId(sealed);
            if (key_id.ok() && *key_id == counts.key_id) {
              ++grant_counts.secrets_already_current;
              return;
            }
            const std::string context = SealContext(key, field);
            absl::StatusOr<std::string> clear = keys_.Open(sealed, context);
            absl::StatusOr<std::string> resealed =
                clear.ok() ? keys_.Seal(*clear, context) : clear.status();
            if (!resealed.ok()) {
              ++grant_counts.secrets_failed;
              secrets.key_id = grant.key_id;
              return;
            }
            sealed = *std::move(resealed);
            ++grant_counts.secrets_rewritten;
          };
          reseal(secrets.client_secret_sealed, "client_secret");
          reseal(secrets.refresh_token_sealed, "refresh_token");
          if (secrets.access_token_sealed) reseal(*secrets.access_token_sealed, "access_token");
          if (dry_run || grant_counts.secrets_rewritten == 0) return std::nullopt;
          return secrets;
        },
        clock_.Now());
    if (absl::IsNotFound(status)) continue;  // deleted meanwhile
    RETURN_IF_ERROR(status);
    if (grant_counts.secrets_rewritten > 0) ++counts.grants_rewritten;
    counts.secrets_rewritten += grant_counts.secrets_rewritten;
    counts.secrets_already_current += grant_counts.secrets_already_current;
    counts.secrets_failed += grant_counts.secrets_failed;
  }
  LogInfo("keys rotated", {{"key_id", counts.key_id},
                           {"dry_run", dry_run},
                           {"grants_rewritten", counts.grants_rewritten},
                           {"secrets_rewritten", counts.secrets_rewritten},
                           {"secrets_already_current", counts.secrets_already_current},
                           {"secrets_failed", counts.secrets_failed}});
  return counts;
}

}  // namespace crmsync::auth

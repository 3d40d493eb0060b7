#include "services/auth/pg_store.h"

#include <algorithm>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/status_macros.h"

namespace crmsync::auth {
namespace {

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromMicros(int64_t micros) { return absl::FromUnixMicros(micros); }

std::optional<absl::Time> OptionalTime(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return FromMicros(field.as<int64_t>());
}

std::string SideText(const GrantKey& key) { return std::string(SideName(key.side)); }

// Reads a row of the grant columns of get_grant, lock_grant and list_grants, by name.
absl::StatusOr<Grant> GrantFromRow(const pqxx::row& row) {
  Grant grant;
  grant.key.portal_id = row["portal_id"].as<std::string>();
  ASSIGN_OR_RETURN(grant.key.side, SideFromName(row["side"].as<std::string>()));
  grant.accounts_server_url = row["accounts_server_url"].as<std::string>();
  grant.api_domain = row["api_domain"].as<std::string>();
  grant.client_id = row["client_id"].as<std::string>();
  grant.client_secret_sealed = row["client_secret_sealed"].as<std::string>();
  grant.refresh_token_sealed = row["refresh_token_sealed"].as<std::string>();
  grant.key_id = row["key_id"].as<std::string>();
  grant.scopes = absl::StrSplit(row["scopes"].as<std::string>(), ' ', absl::SkipEmpty());
  grant.owner_email = row["owner_email"].as<std::string>();
  ASSIGN_OR_RETURN(grant.state, GrantStateFromName(row["state"].as<std::string>()));
  grant.broken_reason = row["broken_reason"].as<std::string>();
  grant.broken_time = OptionalTime(row["broken_us"]);
  if (!row["access_token_sealed"].is_null()) {
    grant.access_token_sealed = row["access_token_sealed"].as<std::string>();
  }
  grant.access_token_expire_time = OptionalTime(row["access_token_expire_us"]);
  grant.create_time = FromMicros(row["create_us"].as<int64_t>());
  grant.update_time = FromMicros(row["update_us"].as<int64_t>());
  return grant;
}

absl::Status NoGrant(const GrantKey& key) {
  return absl::NotFoundError(
      absl::StrCat("no grant for portal ", key.portal_id, " side ", SideName(key.side)));
}

absl::StatusOr<Grant> ReadGrant(pqxx::transaction_base& tx, const char* statement,
                                const GrantKey& key) {
  pqxx::result rows = tx.exec_prepared(statement, key.portal_id, SideText(key));
  if (rows.empty()) return NoGrant(key);
  return GrantFromRow(rows[0]);
}

// Reads a row of the caller token columns of the caller token queries, by name.
absl::StatusOr<CallerToken> CallerTokenFromRow(const pqxx::row& row) {
  CallerToken token;
  token.caller_token_id = row["caller_token_id"].as<std::string>();
  token.caller_name = row["caller_name"].as<std::string>();
  for (absl::string_view role :
       absl::StrSplit(row["roles"].as<std::string>(), ' ', absl::SkipEmpty())) {
    ASSIGN_OR_RETURN(CallerRole parsed, CallerRoleFromName(role));
    token.roles.push_back(parsed);
  }
  token.portal_ids = absl::StrSplit(row["portal_ids"].as<std::string>(), ' ', absl::SkipEmpty());
  token.token_sha256 = row["token_sha256"].as<std::string>();
  token.create_time = FromMicros(row["create_us"].as<int64_t>());
  token.expire_time = OptionalTime(row["expire_us"]);
  token.revoke_time = OptionalTime(row["revoke_us"]);
  return token;
}

// `roles` as the roles text the caller token queries take.
std::string StoredRoles(const std::vector<CallerRole>& roles) {
  return absl::StrJoin(roles, " ", [](std::string* out, CallerRole role) {
    absl::StrAppend(out, CallerRoleName(role));
  });
}

absl::Status NoCallerToken(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("no caller token ", id));
}

absl::StatusOr<std::vector<GrantKey>> KeysFrom(const pqxx::result& rows) {
  std::vector<GrantKey> keys;
  for (const auto& row : rows) {
    ASSIGN_OR_RETURN(auto side, SideFromName(row["side"].as<std::string>()));
    keys.push_back({row["portal_id"].as<std::string>(), side});
  }
  return keys;
}

}  // namespace

absl::StatusOr<Grant> PgStore::PutGrant(const Grant& grant, bool replace, absl::Time now) {
  if (!grant.access_token_sealed || !grant.access_token_expire_time) {
    return absl::InternalError("a grant is stored with the token its check minted");
  }
  return pool_.TransactValue<Grant>([&](pqxx::transaction_base& tx) -> absl::StatusOr<Grant> {
    pqxx::result rows = tx.exec_prepared(
        replace ? "replace_grant" : "insert_grant", grant.key.portal_id, SideText(grant.key),
        grant.accounts_server_url, grant.api_domain, grant.client_id, grant.client_secret_sealed,
        grant.refresh_token_sealed, grant.key_id, absl::StrJoin(grant.scopes, " "),
        grant.owner_email, *grant.access_token_sealed, Micros(*grant.access_token_expire_time),
        Micros(now));
    if (rows.empty()) {
      return absl::AlreadyExistsError(absl::StrCat("a grant for portal ", grant.key.portal_id,
                                                   " side ", SideName(grant.key.side), " exists"));
    }
    tx.exec_prepared("record_mint", grant.key.portal_id, SideText(grant.key), Micros(now), 0);
    return ReadGrant(tx, "get_grant", grant.key);
  });
}

absl::StatusOr<Grant> PgStore::GetGrant(const GrantKey& key, absl::Time deadline) {
  return pool_.TransactValue<Grant>(
      [&](pqxx::transaction_base& tx) { return ReadGrant(tx, "get_grant", key); },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<std::vector<Grant>> PgStore::ListGrants(const GrantFilter& filter,
                                                       const std::optional<GrantKey>& after,
                                                       int limit) {
  return pool_.TransactValue<std::vector<Grant>>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<std::vector<Grant>> {
        pqxx::result rows = tx.exec_prepared(
            "list_grants", filter.portal_id,
            filter.state ? std::string(GrantStateName(*filter.state)) : std::string(),
            after ? after->portal_id : std::string(), after ? SideText(*after) : std::string(),
            limit);
        std::vector<Grant> grants;
        for (const auto& row : rows) {
          ASSIGN_OR_RETURN(auto grant, GrantFromRow(row));
          grants.push_back(std::move(grant));
        }
        return grants;
      });
}

absl::Status PgStore::DeleteGrant(const GrantKey& key) {
  return pool_.Transact([&](pqxx::transaction_base& tx) {
    if (tx.exec_prepared("delete_grant", key.portal_id, SideText(key)).empty()) {
      return NoGrant(key);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<LeaseOutcome> PgStore::LeaseRefresh(
    const GrantKey& key, absl::Time now, absl::Duration window, const LeaseRequest& lease,
    const std::function<bool(const LockedGrant&)>& take, absl::Time deadline) {
  return pool_.TransactValue<LeaseOutcome>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<LeaseOutcome> {
        pqxx::result rows = tx.exec_prepared("lock_grant", key.portal_id, SideText(key));
        if (rows.empty()) return NoGrant(key);
        LeaseOutcome outcome;
        ASSIGN_OR_RETURN(outcome.locked.grant, GrantFromRow(rows[0]));
        outcome.locked.fence = rows[0]["refresh_fence"].as<int64_t>();
        outcome.locked.lease_until = OptionalTime(rows[0]["refresh_lease_until_us"]);
        outcome.locked.mints_in_window =
            tx.exec_prepared("count_mints", key.portal_id, SideText(key),
                             Micros(now - window))[0]["count"]
                .as<int>();
        if (!take(outcome.locked)) return outcome;
        outcome.fence = tx.exec_prepared("take_refresh_lease", key.portal_id, SideText(key),
                                         lease.owner, Micros(lease.until))[0]["refresh_fence"]
                            .as<int64_t>();
        tx.exec_prepared("prune_mints", key.portal_id, SideText(key), Micros(now - window));
        tx.exec_prepared("record_mint", key.portal_id, SideText(key), Micros(now), *outcome.fence);
        return outcome;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<bool> PgStore::FinishRefresh(const GrantKey& key, int64_t fence,
                                            const RefreshWrite& write, absl::Time now,
                                            absl::Time deadline) {
  return pool_.TransactValue<bool>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<bool> {
        pqxx::result ended;
        if (write.minted) {
          ended =
              tx.exec_prepared("store_token", key.portal_id, SideText(key), write.minted->sealed,
                               Micros(write.minted->expire_time), write.minted->api_domain, fence);
        } else if (write.broken) {
          ended = tx.exec_prepared("break_grant", key.portal_id, SideText(key),
                                   write.broken->reason, Micros(now), fence);
        } else {
          ended = tx.exec_prepared("release_refresh_lease", key.portal_id, SideText(key), fence);
        }
        if (ended.empty()) return false;
        if (write.broken) {
          tx.exec_prepared("queue_failure", write.broken->failure_id, key.portal_id, SideText(key),
                           ended[0]["owner_email"].as<std::string>(), write.broken->reason,
                           Micros(now));
          ASSIGN_OR_RETURN(
              const bool queued,
              work_queue::Enqueue(
                  tx, {kFailureQueue, write.broken->failure_id, write.broken->failure_id, "", now},
                  now));
          if (!queued) {
            return absl::InternalError(
                absl::StrCat("failure ", write.broken->failure_id, " is queued already"));
          }
        }
        if (write.uncount_mint)
          tx.exec_prepared("uncount_mint", key.portal_id, SideText(key), fence);
        return true;
      },
      pg::Isolation::kReadCommitted, deadline);
}

absl::StatusOr<std::vector<GrantKey>> PgStore::GrantsToRefresh(absl::Time expiring_before) {
  return pool_.TransactValue<std::vector<GrantKey>>([&](pqxx::transaction_base& tx) {
    return KeysFrom(tx.exec_prepared("grants_to_refresh", Micros(expiring_before)));
  });
}

absl::StatusOr<std::vector<GrantKey>> PgStore::AllGrantKeys() {
  return pool_.TransactValue<std::vector<GrantKey>>(
      [&](pqxx::transaction_base& tx) { return KeysFrom(tx.exec_prepared("all_grant_keys")); });
}

absl::Status PgStore::RewriteSecrets(
    const GrantKey& key, const std::function<std::optional<SealedSecrets>(const Grant&)>& rewrite,
    absl::Time now) {
  return pool_.Transact([&](pqxx::transaction_base& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Grant grant, ReadGrant(tx, "lock_grant", key));
    std::optional<SealedSecrets> secrets = rewrite(grant);
    if (!secrets) return absl::OkStatus();
    tx.exec_prepared("rewrite_secrets", key.portal_id, SideText(key), secrets->client_secret_sealed,
                     secrets->refresh_token_sealed, secrets->access_token_sealed.value_or(""),
                     secrets->key_id, Micros(now));
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> PgStore::CountBrokenGrants() {
  return pool_.TransactValue<int64_t>([&](pqxx::transaction_base& tx) -> absl::StatusOr<int64_t> {
    return tx.exec_prepared("count_broken_grants")[0]["count"].as<int64_t>();
  });
}

absl::StatusOr<QueuedFailure> PgStore::GetFailure(const std::string& failure_id) {
  return pool_.TransactValue<QueuedFailure>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<QueuedFailure> {
        const auto rows = tx.exec_prepared("get_failure", failure_id);
        if (rows.empty()) return absl::NotFoundError(absl::StrCat("no failure ", failure_id));
        const auto& row = rows[0];
        QueuedFailure failure;
        failure.failure_id = row["failure_id"].as<std::string>();
        failure.key.portal_id = row["portal_id"].as<std::string>();
        ASSIGN_OR_RETURN(failure.key.side, SideFromName(row["side"].as<std::string>()));
        failure.owner_email = row["owner_email"].as<std::string>();
        failure.reason = row["reason"].as<std::string>();
        failure.occur_time = FromMicros(row["occur_us"].as<int64_t>());
        return failure;
      });
}

work_queue::PgHooks PgStore::QueueHooks() {
  work_queue::PgHooks hooks;
  hooks.on_complete = [](pqxx::transaction_base& tx, const work_queue::Claim& claim,
                         const work_queue::Resolution& resolution, absl::Time now) {
    if (resolution.kind == work_queue::Resolution::Kind::kDone) {
      tx.exec_prepared("failure_delivered", claim.key, Micros(now), claim.attempt);
    }
    return absl::OkStatus();
  };
  return hooks;
}

absl::Status PgStore::InsertCallerToken(const CallerToken& token) {
  return pool_.Transact([&](pqxx::transaction_base& tx) {
    tx.exec_prepared("insert_caller_token", token.caller_token_id, token.caller_name,
                     StoredRoles(token.roles), absl::StrJoin(token.portal_ids, " "),
                     token.token_sha256, Micros(token.create_time),
                     token.expire_time ? Micros(*token.expire_time) : int64_t{0});
    return absl::OkStatus();
  });
}

absl::StatusOr<CallerToken> PgStore::FindCallerToken(const std::string& sha256) {
  return pool_.TransactValue<CallerToken>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<CallerToken> {
        pqxx::result rows = tx.exec_prepared("find_caller_token", sha256);
        if (rows.empty()) return absl::NotFoundError("no such caller token");
        return CallerTokenFromRow(rows[0]);
      });
}

absl::StatusOr<CallerToken> PgStore::RevokeCallerToken(const std::string& id, absl::Time now) {
  return pool_.TransactValue<CallerToken>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<CallerToken> {
        pqxx::result rows = tx.exec_prepared("revoke_caller_token", id, Micros(now));
        if (rows.empty()) return NoCallerToken(id);
        return CallerTokenFromRow(rows[0]);
      });
}

absl::StatusOr<std::vector<CallerToken>> PgStore::ListCallerTokens(
    std::optional<CallerTokenState> state, absl::Time now,
    std::optional<std::pair<absl::Time, std::string>> after, int limit) {
  return pool_.TransactValue<std::vector<CallerToken>>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<std::vector<CallerToken>> {
        pqxx::result rows = tx.exec_prepared(
            "list_caller_tokens", state ? std::string(CallerTokenStateName(*state)) : std::string(),
            Micros(now), after ? Micros(after->first) : int64_t{0},
            after ? after->second : std::string(), limit);
        std::vector<CallerToken> tokens;
        for (const auto& row : rows) {
          ASSIGN_OR_RETURN(CallerToken token, CallerTokenFromRow(row));
          tokens.push_back(std::move(token));
        }
        return tokens;
      });
}

absl::StatusOr<EnvironmentTokenChanges> PgStore::PutEnvironmentTokens(
    const std::vector<CallerToken>& tokens, absl::Time now) {
  std::vector<std::string> ids;
  std::vector<std::string> digests;
  for (const CallerToken& token : tokens) {
    ids.push_back(token.caller_token_id);
    digests.push_back(token.token_sha256);
  }
  return pool_.TransactValue<EnvironmentTokenChanges>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<EnvironmentTokenChanges> {
        tx.exec_prepared("lock_environment_tokens");
        EnvironmentTokenChanges changes;
        // First, so that secrets moved between tokens never meet twice among unrevoked ones.
        for (const auto& row :
             tx.exec_prepared("revoke_environment_tokens", absl::StrJoin(ids, " "),
                              absl::StrJoin(digests, " "), Micros(now))) {
          std::string id = row["caller_token_id"].as<std::string>();
          if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
            changes.revoked.push_back(std::move(id));
          }
        }
        for (const CallerToken& token : tokens) {
          pqxx::result stored = tx.exec_prepared("put_environment_token", token.caller_token_id,
                                                 token.caller_name, StoredRoles(token.roles),
                                                 token.token_sha256, Micros(token.create_time));
          if (!stored.empty()) changes.stored.push_back(token.caller_token_id);
        }
        return changes;
      });
}

}  // namespace crmsync::auth

-- Stores the caller token $1 from the environment (name $2, roles $3 space-separated, digest $4),
-- for every portal, never expiring: inserted when new; when its digest differs from the stored
-- one, the digest is replaced and the token is unrevoked, as if issued at $5 (microseconds since
-- the epoch). A token whose digest is unchanged keeps its state, so one revoked by
-- RevokeCallerToken stays revoked until its secret changes. Returns the id when it inserted or
-- changed the row.
INSERT INTO caller_tokens (caller_token_id, caller_name, roles, portal_ids, token_sha256,
                           create_time, from_environment)
VALUES ($1, $2, string_to_array($3, ' '), '{}', $4, to_timestamp($5::bigint / 1000000.0), true)
ON CONFLICT (caller_token_id) DO UPDATE
   SET caller_name = EXCLUDED.caller_name, roles = EXCLUDED.roles, portal_ids = '{}',
       token_sha256 = EXCLUDED.token_sha256, create_time = EXCLUDED.create_time,
       expire_time = NULL, revoke_time = NULL
 WHERE caller_tokens.from_environment AND caller_tokens.token_sha256 <> EXCLUDED.token_sha256
RETURNING caller_token_id

-- Revokes at $3 every unrevoked caller token from the environment that is not one of the ids $1
-- with, at the same position, the digest $2 (both space-separated): one taken out of the
-- environment, or whose secret changed (put_environment_token then stores its new digest). Its
-- digest is dropped, so that put back into the environment, with any secret, it is active again.
UPDATE caller_tokens
   SET revoke_time = to_timestamp($3::bigint / 1000000.0), token_sha256 = ''
 WHERE from_environment AND revoke_time IS NULL
   AND (caller_token_id, token_sha256) NOT IN (
         SELECT id, sha256
           FROM unnest(string_to_array($1, ' '), string_to_array($2, ' ')) AS t (id, sha256))
RETURNING caller_token_id

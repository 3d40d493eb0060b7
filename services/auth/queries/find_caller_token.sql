-- The unrevoked caller token whose SHA-256 (hex) is $1. Times are microseconds since the epoch.
SELECT caller_token_id, caller_name, array_to_string(roles, ' ') AS roles,
       array_to_string(portal_ids, ' ') AS portal_ids, token_sha256,
       (extract(epoch FROM create_time) * 1000000)::bigint AS create_us,
       (extract(epoch FROM expire_time) * 1000000)::bigint AS expire_us,
       (extract(epoch FROM revoke_time) * 1000000)::bigint AS revoke_us
  FROM caller_tokens
 WHERE token_sha256 = $1 AND revoke_time IS NULL

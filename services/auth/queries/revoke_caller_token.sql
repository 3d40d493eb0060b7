-- Revokes a caller token at $2 unless it already is revoked; returns it.
UPDATE caller_tokens
   SET revoke_time = COALESCE(revoke_time, to_timestamp($2::bigint / 1000000.0))
 WHERE caller_token_id = $1
RETURNING caller_token_id, caller_name, array_to_string(roles, ' ') AS roles,
       array_to_string(portal_ids, ' ') AS portal_ids, token_sha256,
       (extract(epoch FROM create_time) * 1000000)::bigint AS create_us,
       (extract(epoch FROM expire_time) * 1000000)::bigint AS expire_us,
       (extract(epoch FROM revoke_time) * 1000000)::bigint AS revoke_us

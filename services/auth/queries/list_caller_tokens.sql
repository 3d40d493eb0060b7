-- A page of caller tokens, newest first, after (create_time $3, id $4) when $3 > 0, in state
-- $1 ('' any) as of $2.
SELECT caller_token_id, caller_name, array_to_string(roles, ' ') AS roles,
       array_to_string(portal_ids, ' ') AS portal_ids, token_sha256,
       (extract(epoch FROM create_time) * 1000000)::bigint AS create_us,
       (extract(epoch FROM expire_time) * 1000000)::bigint AS expire_us,
       (extract(epoch FROM revoke_time) * 1000000)::bigint AS revoke_us
  FROM caller_tokens
 WHERE ($1::text = ''
        OR ($1 = 'REVOKED' AND revoke_time IS NOT NULL)
        OR ($1 = 'EXPIRED' AND revoke_time IS NULL
            AND expire_time <= to_timestamp($2::bigint / 1000000.0))
        OR ($1 = 'ACTIVE' AND revoke_time IS NULL
            AND (expire_time IS NULL OR expire_time > to_timestamp($2::bigint / 1000000.0))))
   AND ($3::bigint = 0
        OR (create_time, caller_token_id) < (to_timestamp($3::bigint / 1000000.0), $4::text))
 ORDER BY create_time DESC, caller_token_id DESC
 LIMIT $5

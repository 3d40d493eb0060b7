-- Marks a grant BROKEN at $4 with reason $3 and drops its token.
UPDATE grants
   SET state = 'BROKEN',
       broken_reason = $3,
       broken_time = to_timestamp($4::bigint / 1000000.0),
       access_token_sealed = NULL,
       access_token_expire_time = NULL,
       update_time = to_timestamp($4::bigint / 1000000.0)
 WHERE portal_id = $1 AND side = $2

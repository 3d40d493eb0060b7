-- ACTIVE grants whose token is missing or expires before $1, soonest first.
SELECT portal_id, side FROM grants
 WHERE state = 'ACTIVE'
   AND (access_token_expire_time IS NULL
        OR access_token_expire_time < to_timestamp($1::bigint / 1000000.0))
 ORDER BY access_token_expire_time NULLS FIRST
 LIMIT 1000

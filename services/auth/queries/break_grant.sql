-- Marks a grant BROKEN at $4 with reason $3, drops its token and ends its refresh lease, only
-- while lease fence $5 is the grant's latest.
UPDATE grants
   SET state = 'BROKEN',
       broken_reason = $3,
       broken_time = to_timestamp($4::bigint / 1000000.0),
       access_token_sealed = NULL,
       access_token_expire_time = NULL,
       refresh_owner = NULL,
       refresh_lease_until = NULL,
       update_time = to_timestamp($4::bigint / 1000000.0)
 WHERE portal_id = $1 AND side = $2 AND refresh_fence = $5
RETURNING owner_email

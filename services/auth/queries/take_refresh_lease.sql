-- Takes the grant's refresh lease for owner $3 until $4 (microseconds since the epoch) under a
-- new fence, which it returns. The caller holds the row lock and has checked the lease is free.
UPDATE grants
   SET refresh_fence = refresh_fence + 1,
       refresh_owner = $3,
       refresh_lease_until = to_timestamp($4::bigint / 1000000.0)
 WHERE portal_id = $1 AND side = $2
RETURNING refresh_fence

-- The broken-grant failure $1.
SELECT failure_id, portal_id, side, owner_email, reason,
       (extract(epoch FROM occur_time) * 1000000)::bigint AS occur_us
  FROM grant_failures
 WHERE failure_id = $1

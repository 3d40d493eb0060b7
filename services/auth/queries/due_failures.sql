-- Undelivered failures due at $1, oldest due first.
SELECT failure_id, portal_id, side, owner_email, reason,
       (extract(epoch FROM occur_time) * 1000000)::bigint AS occur_us, attempts
  FROM grant_failures
 WHERE delivered_time IS NULL AND next_attempt_time <= to_timestamp($1::bigint / 1000000.0)
 ORDER BY next_attempt_time
 LIMIT $2

-- $1 grant key, $2 side, $3 the side's limit, $4 now (Unix µs), $5 the new permit's expiry (Unix
-- µs). Under rate_budget_lock: drops the grant's expired permits and adds one when fewer than the
-- limit are alive. permit_id is NULL when the budget is spent; first_expiry_us is when the
-- oldest live permit expires (NULL when none is alive).
WITH expired AS (
  DELETE FROM rate_budget_permits
  WHERE grant_key = $1 AND side = $2
    AND expires_at <= 'epoch'::timestamptz + $4::bigint * interval '1 microsecond'
),
live AS (
  SELECT count(*) AS alive, min(expires_at) AS first_expiry
  FROM rate_budget_permits
  WHERE grant_key = $1 AND side = $2
    AND expires_at > 'epoch'::timestamptz + $4::bigint * interval '1 microsecond'
),
taken AS (
  INSERT INTO rate_budget_permits (grant_key, side, expires_at)
  SELECT $1, $2, 'epoch'::timestamptz + $5::bigint * interval '1 microsecond'
  FROM live
  WHERE live.alive < $3::integer
  RETURNING permit_id
)
SELECT (SELECT permit_id FROM taken) AS permit_id,
       (extract(epoch FROM live.first_expiry) * 1000000)::bigint AS first_expiry_us
FROM live

-- $1 now (Unix µs), $2 renew channels expiring before this (Unix µs), $3 lease until (Unix µs),
-- $4 most channels. Takes the due channels no other replica holds.
UPDATE crm_watch_channels
SET lease_until = 'epoch'::timestamptz + $3::bigint * interval '1 microsecond'
WHERE portal_id IN (
  SELECT portal_id FROM crm_watch_channels
  WHERE (expire_time IS NULL
         OR expire_time < 'epoch'::timestamptz + $2::bigint * interval '1 microsecond')
    AND (lease_until IS NULL
         OR lease_until <= 'epoch'::timestamptz + $1::bigint * interval '1 microsecond')
  ORDER BY expire_time NULLS FIRST
  LIMIT $4
  FOR UPDATE SKIP LOCKED)
RETURNING portal_id, channel_id

-- $1 limit, $2 now (Unix µs), $3 lease (µs). Claims due rows without waiting on rows other
-- senders hold; returns the claimed rows' ids and new attempt numbers.
WITH due AS (
  SELECT notification_id FROM notifications
  WHERE (state = 'PENDING' AND
         next_attempt_at <= 'epoch'::timestamptz + $2::bigint * interval '1 microsecond')
     OR (state = 'SENDING' AND
         lease_until <= 'epoch'::timestamptz + $2::bigint * interval '1 microsecond')
  ORDER BY notification_id
  LIMIT $1
  FOR UPDATE SKIP LOCKED
)
UPDATE notifications n
SET state = 'SENDING', attempts = n.attempts + 1, next_attempt_at = NULL,
    lease_until = 'epoch'::timestamptz + ($2::bigint + $3::bigint) * interval '1 microsecond',
    updated_at = 'epoch'::timestamptz + $2::bigint * interval '1 microsecond'
FROM due
WHERE n.notification_id = due.notification_id
RETURNING n.notification_id::text AS notification_id, n.attempts

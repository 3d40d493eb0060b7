-- $1 portal_id, $2 lower-case recipient email, $3 notification id to leave out, $4 limit, $5 now
-- (Unix µs), $6 lease (µs). Claims the recipient's other PENDING notifications, due or not, to
-- join a digest; returns their ids and new attempt numbers.
WITH mine AS (
  SELECT notification_id FROM notifications
  WHERE state = 'PENDING' AND portal_id = $1 AND lower(recipient_email) = $2
    AND notification_id <> $3::bigint
  ORDER BY notification_id
  LIMIT $4
  FOR UPDATE SKIP LOCKED
)
UPDATE notifications n
SET state = 'SENDING', attempts = n.attempts + 1, next_attempt_at = NULL,
    lease_until = 'epoch'::timestamptz + ($5::bigint + $6::bigint) * interval '1 microsecond',
    updated_at = 'epoch'::timestamptz + $5::bigint * interval '1 microsecond'
FROM mine
WHERE n.notification_id = mine.notification_id
RETURNING n.notification_id::text AS notification_id, n.attempts

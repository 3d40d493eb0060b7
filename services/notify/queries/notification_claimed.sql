-- $1 notification id, $2 attempt, $3 lease end (Unix µs), $4 now (Unix µs). Its queue item was
-- claimed in this transaction.
UPDATE notifications
SET state = 'SENDING', attempts = $2, next_attempt_at = NULL,
    lease_until = 'epoch'::timestamptz + $3::bigint * interval '1 microsecond',
    updated_at = 'epoch'::timestamptz + $4::bigint * interval '1 microsecond'
WHERE notification_id = $1::bigint

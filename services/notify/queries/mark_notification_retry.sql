-- $1 notification id, $2 attempt, $3 error, $4 next attempt (Unix µs), $5 now (Unix µs).
UPDATE notifications
SET state = 'PENDING', lease_until = NULL, last_error = $3,
    next_attempt_at = 'epoch'::timestamptz + $4::bigint * interval '1 microsecond',
    updated_at = 'epoch'::timestamptz + $5::bigint * interval '1 microsecond'
WHERE notification_id = $1::bigint AND state = 'SENDING' AND attempts = $2

-- $1 notification id, $2 attempt, $3 error, $4 now (Unix µs).
UPDATE notifications
SET state = 'DEAD', lease_until = NULL, last_error = $3,
    updated_at = 'epoch'::timestamptz + $4::bigint * interval '1 microsecond'
WHERE notification_id = $1::bigint AND state = 'SENDING' AND attempts = $2

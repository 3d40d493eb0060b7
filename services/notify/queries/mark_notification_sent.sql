-- $1 notification id, $2 attempt, $3 now (Unix µs).
UPDATE notifications
SET state = 'SENT', lease_until = NULL, last_error = '',
    sent_at = 'epoch'::timestamptz + $3::bigint * interval '1 microsecond',
    updated_at = 'epoch'::timestamptz + $3::bigint * interval '1 microsecond'
WHERE notification_id = $1::bigint AND state = 'SENDING' AND attempts = $2

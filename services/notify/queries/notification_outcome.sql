-- $1 notification id, $2 state (PENDING, SENT or DEAD), $3 attempts, $4 last error, $5 whether
-- to keep the last error instead, $6 next attempt (Unix µs; PENDING only), $7 now (Unix µs).
-- Its queue item was completed in this transaction.
UPDATE notifications
SET state = $2, attempts = $3, lease_until = NULL,
    last_error = CASE WHEN $5::boolean THEN last_error ELSE $4 END,
    next_attempt_at = CASE WHEN $2 = 'PENDING'
                           THEN 'epoch'::timestamptz + $6::bigint * interval '1 microsecond'
                      END,
    sent_at = CASE WHEN $2 = 'SENT'
                   THEN 'epoch'::timestamptz + $7::bigint * interval '1 microsecond'
                   ELSE sent_at
              END,
    updated_at = 'epoch'::timestamptz + $7::bigint * interval '1 microsecond'
WHERE notification_id = $1::bigint

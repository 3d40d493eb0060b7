-- $1 item id, $2 fence, $3 new state (PENDING, DONE or DEAD), $4 last error, $5 next attempt
-- (Unix µs; PENDING only), $6 now (Unix µs), $7 attempts to give back (1 when released).
-- Fenced: no row when the claim was lost.
UPDATE work_items
SET state = $3, last_error = $4, lease_until = NULL, attempts = attempts - $7::integer,
    next_attempt_at = CASE WHEN $3 = 'PENDING'
                           THEN 'epoch'::timestamptz + $5::bigint * interval '1 microsecond'
                      END,
    finished_at = CASE WHEN $3 IN ('DONE', 'DEAD')
                       THEN 'epoch'::timestamptz + $6::bigint * interval '1 microsecond'
                  END
WHERE item_id = $1 AND fence = $2 AND state = 'RUNNING'
RETURNING item_id

-- $1 queue, $2 key, $3 group, $4 payload, $5 due (Unix µs), $6 now (Unix µs). Returns the new
-- item's id, or no row when (queue, key) exists.
INSERT INTO work_items (queue, item_key, group_key, payload, state, next_attempt_at, created_at)
VALUES ($1, $2, $3, $4, 'PENDING',
        'epoch'::timestamptz + $5::bigint * interval '1 microsecond',
        'epoch'::timestamptz + $6::bigint * interval '1 microsecond')
ON CONFLICT (queue, item_key) DO NOTHING
RETURNING item_id

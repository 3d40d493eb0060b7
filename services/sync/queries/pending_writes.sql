-- $1 queue (sync_outbox), $2 the task's group, $3 limit. The task's undelivered writes (pending
-- or claimed by a delivery worker), oldest first; next_attempt_micros is NULL while in flight.
SELECT item_id, payload, state, attempts, last_error,
       (extract(epoch FROM next_attempt_at) * 1000000)::bigint AS next_attempt_micros,
       (extract(epoch FROM created_at) * 1000000)::bigint AS create_micros
FROM work_items
WHERE queue = $1 AND group_key = $2 AND state IN ('PENDING', 'RUNNING')
ORDER BY item_id
LIMIT $3

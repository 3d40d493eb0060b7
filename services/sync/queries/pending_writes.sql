-- $1 queue, $2 group. The group's items not finished, oldest first.
SELECT item_id, payload, state, attempts, last_error,
       (extract(epoch FROM next_attempt_at) * 1000000)::bigint AS next_micros,
       (extract(epoch FROM created_at) * 1000000)::bigint AS created_micros
FROM work_items
WHERE queue = $1 AND group_key = $2 AND state IN ('PENDING', 'RUNNING')
ORDER BY item_id

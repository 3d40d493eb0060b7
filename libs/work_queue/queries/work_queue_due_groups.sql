-- $1 queue, $2 limit, $3 now (Unix µs). Groups with at least one due item, oldest first. Reads
-- without locking: work_queue_lock_group decides who claims each.
SELECT group_key
FROM work_items
WHERE queue = $1 AND group_key <> ''
  AND ((state = 'PENDING' AND
        next_attempt_at <= 'epoch'::timestamptz + $3::bigint * interval '1 microsecond')
    OR (state = 'RUNNING' AND
        lease_until <= 'epoch'::timestamptz + $3::bigint * interval '1 microsecond'))
GROUP BY group_key
ORDER BY min(item_id)
LIMIT $2

-- $1 queue, $2 group, $3 limit, $4 now (Unix µs), $5 lease (µs). Under the group's lock (see
-- work_queue_lock_group), and only while one of its items is due: claims the group's pending
-- items, due or not, and those whose lease ended, due ones first, then oldest first.
WITH mine AS (
  SELECT item_id FROM work_items
  WHERE queue = $1 AND group_key = $2
    AND (state = 'PENDING' OR
         (state = 'RUNNING' AND
          lease_until <= 'epoch'::timestamptz + $4::bigint * interval '1 microsecond'))
    AND EXISTS (
      SELECT 1 FROM work_items d
      WHERE d.queue = $1 AND d.group_key = $2
        AND ((d.state = 'PENDING' AND
              d.next_attempt_at <= 'epoch'::timestamptz + $4::bigint * interval '1 microsecond')
          OR (d.state = 'RUNNING' AND
              d.lease_until <= 'epoch'::timestamptz + $4::bigint * interval '1 microsecond')))
  ORDER BY (state = 'RUNNING' OR
            next_attempt_at <= 'epoch'::timestamptz + $4::bigint * interval '1 microsecond') DESC,
           item_id
  LIMIT $3
  FOR UPDATE
)
UPDATE work_items w
SET state = 'RUNNING', attempts = w.attempts + 1, fence = w.fence + 1, next_attempt_at = NULL,
    lease_until = 'epoch'::timestamptz + ($4::bigint + $5::bigint) * interval '1 microsecond'
FROM mine
WHERE w.item_id = mine.item_id
RETURNING w.item_id, w.item_key, w.group_key, w.payload, w.attempts, w.fence,
          (extract(epoch FROM w.lease_until) * 1000000)::bigint AS lease_until_us,
          (extract(epoch FROM w.created_at) * 1000000)::bigint AS created_us

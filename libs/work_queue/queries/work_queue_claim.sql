-- $1 queue, $2 limit, $3 now (Unix µs), $4 lease (µs), $5 whether grouped items are left to
-- work_queue_claim_group. Claims due items (and RUNNING ones whose lease ended) without waiting
-- on items other workers hold; each gets a new fence.
WITH due AS (
  SELECT item_id FROM work_items
  WHERE queue = $1 AND (NOT $5::boolean OR group_key = '')
    AND ((state = 'PENDING' AND
          next_attempt_at <= 'epoch'::timestamptz + $3::bigint * interval '1 microsecond')
      OR (state = 'RUNNING' AND
          lease_until <= 'epoch'::timestamptz + $3::bigint * interval '1 microsecond'))
  ORDER BY item_id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE work_items w
SET state = 'RUNNING', attempts = w.attempts + 1, fence = w.fence + 1, next_attempt_at = NULL,
    lease_until = 'epoch'::timestamptz + ($3::bigint + $4::bigint) * interval '1 microsecond'
FROM due
WHERE w.item_id = due.item_id
RETURNING w.item_id, w.item_key, w.group_key, w.payload, w.attempts, w.fence,
          (extract(epoch FROM w.lease_until) * 1000000)::bigint AS lease_until_us,
          (extract(epoch FROM w.created_at) * 1000000)::bigint AS created_us

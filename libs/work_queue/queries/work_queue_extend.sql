-- $1 item id, $2 fence, $3 lease end wanted (Unix µs). Fenced: no row when the claim was lost.
-- A lease is never shortened.
UPDATE work_items
SET lease_until = greatest(lease_until,
                           'epoch'::timestamptz + $3::bigint * interval '1 microsecond')
WHERE item_id = $1 AND fence = $2 AND state = 'RUNNING'
RETURNING (extract(epoch FROM lease_until) * 1000000)::bigint AS lease_until_us

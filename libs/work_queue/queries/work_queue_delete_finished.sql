-- $1 finished before (Unix µs), $2 batch. Deletes up to $2 DONE or DEAD items.
DELETE FROM work_items
WHERE item_id IN (
  SELECT item_id FROM work_items
  WHERE state IN ('DONE', 'DEAD')
    AND finished_at < 'epoch'::timestamptz + $1::bigint * interval '1 microsecond'
  LIMIT $2
)

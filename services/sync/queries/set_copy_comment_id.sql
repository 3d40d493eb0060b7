-- $1 copy_id, $2 the copy's id on the other side, $3 now (Unix µs), $4 outbox item id, $5 the
-- claim's fence. Recorded only while the claim that wrote the copy still holds its item.
UPDATE comment_copies
SET copy_comment_id = $2,
    update_time = 'epoch'::timestamptz + $3::bigint * interval '1 microsecond'
WHERE copy_id = $1
  AND EXISTS (SELECT 1 FROM work_items
              WHERE item_id = $4 AND fence = $5 AND state = 'RUNNING')
RETURNING copy_id

-- $1 link_id, $2 state, $3 now (Unix µs).
UPDATE task_links
SET state = $2, update_time = 'epoch'::timestamptz + $3::bigint * interval '1 microsecond'
WHERE link_id = $1

-- $1 copy_id, $2 now (Unix µs). The original was deleted; its copy's deletion is queued with it.
UPDATE comment_copies
SET deleted = true, update_time = 'epoch'::timestamptz + $2::bigint * interval '1 microsecond'
WHERE copy_id = $1

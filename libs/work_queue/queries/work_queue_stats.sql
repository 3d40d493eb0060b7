-- $1 queue. Counts on the partial indexes, and the oldest unfinished item's creation (Unix µs,
-- NULL when none).
SELECT
  (SELECT count(*) FROM work_items WHERE queue = $1 AND state = 'PENDING') AS pending,
  (SELECT count(*) FROM work_items WHERE queue = $1 AND state = 'RUNNING') AS running,
  (SELECT count(*) FROM work_items WHERE queue = $1 AND state = 'DEAD') AS dead,
  (SELECT (extract(epoch FROM min(created_at)) * 1000000)::bigint
     FROM work_items WHERE queue = $1 AND state IN ('PENDING', 'RUNNING')) AS oldest_us

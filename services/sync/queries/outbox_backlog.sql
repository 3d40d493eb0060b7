-- $1 the outbox's queue. Its writes not done yet (pending or running) by target side (the
-- payload's target_side, outbox.h): how many, and when the oldest was queued (Unix µs).
SELECT payload::jsonb ->> 'target_side' AS target_side,
       count(*) AS depth,
       (extract(epoch FROM min(created_at)) * 1000000)::bigint AS oldest_us
FROM work_items
WHERE queue = $1 AND state IN ('PENDING', 'RUNNING')
GROUP BY 1

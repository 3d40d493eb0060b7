-- $1 link_id, $2 side, $3 result (succeeded | retrying | failed), $4 now (Unix µs), $5 error.
-- Nothing when the link is gone.
INSERT INTO task_deliveries (link_id, side, last_result, last_attempt_time, last_success_time,
                             last_error)
SELECT link_id, $2, $3, 'epoch'::timestamptz + $4::bigint * interval '1 microsecond',
       CASE WHEN $3 = 'succeeded'
            THEN 'epoch'::timestamptz + $4::bigint * interval '1 microsecond' END, $5
FROM task_links
WHERE link_id = $1
ON CONFLICT (link_id, side) DO UPDATE
SET last_result = EXCLUDED.last_result, last_attempt_time = EXCLUDED.last_attempt_time,
    last_success_time = COALESCE(EXCLUDED.last_success_time, task_deliveries.last_success_time),
    last_error = EXCLUDED.last_error

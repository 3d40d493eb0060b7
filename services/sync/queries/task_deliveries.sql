-- $1 link_id. The latest delivery of the task's writes to each side.
SELECT side, last_result,
       (extract(epoch FROM last_attempt_time) * 1000000)::bigint AS attempt_micros,
       (extract(epoch FROM last_success_time) * 1000000)::bigint AS success_micros,
       last_error
FROM task_deliveries
WHERE link_id = $1
ORDER BY side

-- $1 portal_id, $2 side of $3 ('' when $3 is ''), $3 task id ('' for every task), $4 reason
-- ('' for any), $5 after create time (Unix µs, NULL for the first page), $6 after failure_id,
-- $7 limit. Newest first.
SELECT failure_id, portal_id, reason, message, origin_side, event_id, project_id,
       projects_task_id, crm_task_id, field, attempted_value::text AS attempted_value,
       kept_value::text AS kept_value, actor_user_id, actor_email, actor_display_name,
       task_title, project_name, to_char(project_start_date, 'YYYY-MM-DD') AS project_start_date,
       to_char(project_end_date, 'YYYY-MM-DD') AS project_end_date, parent_task_title,
       (extract(epoch FROM create_time) * 1000000)::bigint AS create_micros
FROM failures
WHERE portal_id = $1
  AND ($3 = '' OR ($2 = 'crm' AND crm_task_id = $3) OR ($2 = 'projects' AND projects_task_id = $3))
  AND ($4 = '' OR reason = $4)
  AND ($5::bigint IS NULL
       OR (create_time, failure_id) <
          ('epoch'::timestamptz + $5::bigint * interval '1 microsecond', $6::bigint))
ORDER BY create_time DESC, failure_id DESC
LIMIT $7

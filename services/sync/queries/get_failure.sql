-- $1 failure_id.
SELECT failure_id, portal_id, reason, message, origin_side, event_id, project_id,
       projects_task_id, crm_task_id, field, attempted_value::text AS attempted_value,
       kept_value::text AS kept_value, actor_user_id, actor_email, actor_display_name,
       task_title, project_name, to_char(project_start_date, 'YYYY-MM-DD') AS project_start_date,
       to_char(project_end_date, 'YYYY-MM-DD') AS project_end_date, parent_task_title,
       (extract(epoch FROM create_time) * 1000000)::bigint AS create_micros
FROM failures
WHERE failure_id = $1

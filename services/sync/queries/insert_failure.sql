-- $1 portal_id, $2 reason, $3 message, $4 origin_side, $5 event_id, $6 project_id,
-- $7 projects_task_id, $8 crm_task_id, $9 field ('' for the whole task), $10 attempted value
-- (JSON or NULL), $11 kept value (JSON or NULL), $12 actor_user_id, $13 actor_email,
-- $14 actor_display_name, $15 now (Unix µs), $16 task_title, $17 project_name,
-- $18 project_start_date and $19 project_end_date (yyyy-mm-dd or NULL), $20 parent_task_title.
INSERT INTO failures (portal_id, reason, message, origin_side, event_id, project_id,
                      projects_task_id, crm_task_id, field, attempted_value, kept_value,
                      actor_user_id, actor_email, actor_display_name, create_time, task_title,
                      project_name, project_start_date, project_end_date, parent_task_title)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13, $14,
        'epoch'::timestamptz + $15::bigint * interval '1 microsecond', $16, $17, $18::date,
        $19::date, $20)
RETURNING failure_id

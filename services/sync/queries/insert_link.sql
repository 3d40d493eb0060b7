-- $1 portal_id, $2 project_id, $3 projects_task_id, $4 crm_task_id ('' while pending), $5
-- crm_module, $6 crm_record_id, $7 projects_parent_task_id, $8 state, $9 now (Unix µs).
INSERT INTO task_links (portal_id, project_id, projects_task_id, crm_task_id, crm_module,
                        crm_record_id, projects_parent_task_id, state, create_time, update_time)
VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8,
        'epoch'::timestamptz + $9::bigint * interval '1 microsecond',
        'epoch'::timestamptz + $9::bigint * interval '1 microsecond')
RETURNING link_id, portal_id, project_id, projects_task_id, COALESCE(crm_task_id, '') AS crm_task_id,
          crm_module, crm_record_id, projects_parent_task_id, state,
          (extract(epoch FROM create_time) * 1000000)::bigint AS create_micros,
          (extract(epoch FROM update_time) * 1000000)::bigint AS update_micros

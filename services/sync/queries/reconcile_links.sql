-- $1 portal_id. The portal's live links (ACTIVE or PENDING_CREATE), as reconciliation reads them.
SELECT project_id, projects_task_id, COALESCE(crm_task_id, '') AS crm_task_id,
       projects_parent_task_id, state,
       (extract(epoch FROM create_time) * 1000000)::bigint AS create_micros
FROM task_links
WHERE portal_id = $1 AND state IN ('active', 'pending_create')
ORDER BY link_id

-- $1 portal_id, $2 side ('crm' | 'projects'), $3 the task id on that side.
-- Found by one index probe on the side's unique key, as lock_link.sql explains.
SELECT link_id, portal_id, project_id, projects_task_id, COALESCE(crm_task_id, '') AS crm_task_id,
       crm_module, crm_record_id, projects_parent_task_id, state,
       (extract(epoch FROM create_time) * 1000000)::bigint AS create_micros,
       (extract(epoch FROM update_time) * 1000000)::bigint AS update_micros
FROM task_links
WHERE link_id = (SELECT link_id FROM task_links
                 WHERE $2 = 'crm' AND portal_id = $1 AND crm_task_id = $3
                 UNION ALL
                 SELECT link_id FROM task_links
                 WHERE $2 = 'projects' AND portal_id = $1 AND projects_task_id = $3)
  AND portal_id = $1
  AND (($2 = 'crm' AND crm_task_id = $3) OR ($2 = 'projects' AND projects_task_id = $3))

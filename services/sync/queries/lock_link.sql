-- $1 portal_id, $2 side ('crm' | 'projects'), $3 the task id on that side. Locks the link: the
-- changes of one task are decided and recorded one at a time.
-- The link is found by the scalar subquery, whose arm for the side probes that side's unique
-- index on its whole key, then fetched by its primary key: an index probe however many links the
-- portal has, with or without statistics (a plain OR of both sides lets a generic plan scan all
-- of the portal's links on portal_id alone). The outer condition repeats the lookup, so a row
-- changed meanwhile is rechecked against it.
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
FOR UPDATE

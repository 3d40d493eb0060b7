-- $1 portal_id, $2 the originals' side ('crm' | 'projects'). The comments from that side on the
-- portal's ACTIVE links that crmsync copied and has not seen deleted, each with its task's id on
-- that side, task by task.
SELECT CASE WHEN c.origin_side = 'crm' THEN l.crm_task_id ELSE l.projects_task_id END AS task_id,
       c.origin_comment_id
FROM comment_copies c
JOIN task_links l ON l.link_id = c.link_id
WHERE l.portal_id = $1
  AND l.state = 'active'
  AND c.origin_side = $2
  AND NOT c.deleted
ORDER BY l.link_id, c.copy_id

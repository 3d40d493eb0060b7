-- $1 link_id. Where the link is found by its task ids (see find_link).
SELECT portal_id, projects_task_id
FROM task_links
WHERE link_id = $1

-- $1 link_id, $2 field name ('' for none). What a delivery failure records of its task: the ids,
-- the canonical title and the canonical value of the field whose write failed.
SELECT l.portal_id, l.project_id, l.projects_task_id, COALESCE(l.crm_task_id, '') AS crm_task_id,
       COALESCE(t.value ->> 'text', '') AS task_title, v.value::text AS field_value
FROM task_links l
LEFT JOIN task_fields t ON t.link_id = l.link_id AND t.field = 'title'
LEFT JOIN task_fields v ON v.link_id = l.link_id AND v.field = $2
WHERE l.link_id = $1

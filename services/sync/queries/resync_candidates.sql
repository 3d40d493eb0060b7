-- $1 portal_id, $2 the resync queue's name.
-- The portal's active links, each with the item key its next resync takes: "<link_id>@<the id of
-- its latest finished resync item, or 0>". An item still pending or running has that key
-- already, so queuing it again is refused by the queue's unique key, concurrent callers included.
SELECT l.link_id, l.projects_task_id,
       COALESCE((SELECT max(w.item_id) FROM work_items w
                 WHERE w.queue = $2 AND w.item_key LIKE l.link_id || '@%'
                   AND w.state IN ('DONE', 'DEAD')), 0) AS last_finished_item
FROM task_links l
WHERE l.portal_id = $1 AND l.state = 'active'
ORDER BY l.link_id

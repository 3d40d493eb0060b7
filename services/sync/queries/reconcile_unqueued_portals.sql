-- $1 the reconciliation queue's name.
-- The portals with a live link (ACTIVE or PENDING_CREATE) and no pass pending or running; a
-- pass's payload is its portal id.
SELECT DISTINCT l.portal_id
FROM task_links l
WHERE l.state IN ('active', 'pending_create')
  AND NOT EXISTS (SELECT 1 FROM work_items w
                  WHERE w.queue = $1 AND w.state IN ('PENDING', 'RUNNING')
                    AND w.payload = l.portal_id)
ORDER BY l.portal_id

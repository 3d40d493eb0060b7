-- $1 link_id, $2 crm_task_id, $3 now (Unix µs), $4 outbox item id, $5 the claim's fence. The
-- CRM task of a PENDING_CREATE link exists: the link turns ACTIVE, only while the claim that
-- created the task still holds its item.
UPDATE task_links
SET state = 'active', crm_task_id = $2,
    update_time = 'epoch'::timestamptz + $3::bigint * interval '1 microsecond'
WHERE link_id = $1 AND state = 'pending_create'
  AND EXISTS (SELECT 1 FROM work_items
              WHERE item_id = $4 AND fence = $5 AND state = 'RUNNING')
RETURNING link_id

-- $1 inbox_id, $2 the work queue's name: ties the request to its work item, whose deletion
-- after the retention deletes the request.
UPDATE inbox
SET item_id = work_items.item_id
FROM work_items
WHERE inbox.inbox_id = $1 AND work_items.queue = $2 AND work_items.item_key = $1::text

-- $1 the inbox's queue. Its webhooks not processed yet (pending or running) by the side that
-- sent them.
SELECT inbox.side AS side, count(*) AS backlog
FROM work_items
JOIN inbox ON inbox.item_id = work_items.item_id
WHERE work_items.queue = $1 AND work_items.state IN ('PENDING', 'RUNNING')
GROUP BY inbox.side

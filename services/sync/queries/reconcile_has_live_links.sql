-- $1 portal_id. Whether the portal still has a live link (ACTIVE or PENDING_CREATE).
SELECT EXISTS (SELECT 1 FROM task_links
               WHERE portal_id = $1 AND state IN ('active', 'pending_create')) AS live

-- $1 portal_id, $2 crm_deal_id, $3 project_id ('' removes the association), $4 now (Unix µs).
UPDATE deals
SET project_id = NULLIF($3, ''),
    associate_time = CASE WHEN $3 = '' THEN NULL
                          ELSE 'epoch'::timestamptz + $4::bigint * interval '1 microsecond' END
WHERE portal_id = $1 AND crm_deal_id = $2

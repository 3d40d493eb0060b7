-- $1 portal_id, $2 project_id, $3 whether a position follows, $4 its name, $5 its crm_deal_id,
-- $6 limit. The project's deals that are not removed, in (name, crm_deal_id) order.
SELECT d.crm_deal_id, d.name, d.crm_account_id, a.name AS crm_account_name, d.project_id,
       (extract(epoch FROM d.associate_time) * 1000000)::bigint AS associate_micros, d.removed
FROM deals d
LEFT JOIN crm_accounts a ON a.portal_id = d.portal_id AND a.crm_account_id = d.crm_account_id
WHERE d.portal_id = $1 AND d.project_id = $2 AND NOT d.removed
  AND (NOT $3::boolean OR (d.name, d.crm_deal_id) > ($4, $5))
ORDER BY d.name, d.crm_deal_id
LIMIT $6

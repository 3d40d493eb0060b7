-- $1 portal_id, $2 crm_deal_id. The deal with its account's name and its project association.
SELECT d.crm_deal_id, d.name, d.crm_account_id, a.name AS crm_account_name, d.project_id,
       (extract(epoch FROM d.associate_time) * 1000000)::bigint AS associate_micros, d.removed
FROM deals d
LEFT JOIN crm_accounts a ON a.portal_id = d.portal_id AND a.crm_account_id = d.crm_account_id
WHERE d.portal_id = $1 AND d.crm_deal_id = $2

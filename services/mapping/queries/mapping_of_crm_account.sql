-- $1 portal_id, $2 crm_account_id. Its mapping, with both names.
SELECT m.client_account_id, c.name AS client_account_name, m.crm_account_id,
       a.name AS crm_account_name, m.origin, m.created_by,
       (extract(epoch FROM m.create_time) * 1000000)::bigint AS create_micros
FROM account_mappings m
JOIN client_accounts c
  ON c.portal_id = m.portal_id AND c.client_account_id = m.client_account_id
JOIN crm_accounts a ON a.portal_id = m.portal_id AND a.crm_account_id = m.crm_account_id
WHERE m.portal_id = $1 AND m.crm_account_id = $2

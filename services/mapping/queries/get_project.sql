-- $1 portal_id, $2 project_id. The project with its client account and the CRM account that
-- client account is mapped to (NULL columns when absent).
SELECT p.project_id, p.name, p.client_account_id, c.name AS client_account_name,
       m.crm_account_id AS mapped_crm_account_id, a.name AS mapped_crm_account_name,
       to_char(p.start_date, 'YYYY-MM-DD') AS start_date,
       to_char(p.end_date, 'YYYY-MM-DD') AS end_date, p.strict, p.removed,
       (extract(epoch FROM p.update_time) * 1000000)::bigint AS update_micros
FROM projects p
LEFT JOIN client_accounts c
  ON c.portal_id = p.portal_id AND c.client_account_id = p.client_account_id
LEFT JOIN account_mappings m
  ON m.portal_id = p.portal_id AND m.client_account_id = p.client_account_id
LEFT JOIN crm_accounts a ON a.portal_id = m.portal_id AND a.crm_account_id = m.crm_account_id
WHERE p.portal_id = $1 AND p.project_id = $2

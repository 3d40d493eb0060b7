-- $1 portal_id, $2 a JSON array of client account ids (read once into an array, so that the
-- lookup is an index scan). Their mappings, with both names.
SELECT m.client_account_id, c.name AS client_account_name, m.crm_account_id,
       a.name AS crm_account_name, m.origin, m.created_by,
       (extract(epoch FROM m.create_time) * 1000000)::bigint AS create_micros
FROM account_mappings m
JOIN client_accounts c
  ON c.portal_id = m.portal_id AND c.client_account_id = m.client_account_id
JOIN crm_accounts a ON a.portal_id = m.portal_id AND a.crm_account_id = m.crm_account_id
WHERE m.portal_id = $1
  AND m.client_account_id = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))

-- $1 portal_id, $2 a JSON array of client account ids. For each of them that is unmapped and
-- not removed, the unmapped, not removed CRM accounts with the same (non-empty) match key.
SELECT c.client_account_id, c.name AS client_account_name, c.match_key, a.crm_account_id,
       a.name AS crm_account_name
FROM client_accounts c
JOIN crm_accounts a ON a.portal_id = c.portal_id AND a.match_key = c.match_key
WHERE c.portal_id = $1
  AND c.client_account_id = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))
  AND NOT c.removed AND NOT a.removed AND c.match_key <> ''
  AND NOT EXISTS (SELECT 1 FROM account_mappings m
                  WHERE m.portal_id = c.portal_id AND m.client_account_id = c.client_account_id)
  AND NOT EXISTS (SELECT 1 FROM account_mappings m
                  WHERE m.portal_id = a.portal_id AND m.crm_account_id = a.crm_account_id)
ORDER BY c.match_key, c.client_account_id, a.crm_account_id

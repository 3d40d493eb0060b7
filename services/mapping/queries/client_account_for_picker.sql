-- $1 portal_id, $2 client_account_id. The client account when the picker shows it (not removed,
-- or removed but still mapped). Apart from list_client_accounts_page so that its plan is always
-- a primary-key lookup.
SELECT c.client_account_id, c.name, c.match_key
FROM client_accounts c
WHERE c.portal_id = $1 AND c.client_account_id = $2
  AND (NOT c.removed OR EXISTS (SELECT 1 FROM account_mappings m
                                WHERE m.portal_id = c.portal_id
                                  AND m.client_account_id = c.client_account_id))

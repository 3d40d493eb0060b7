-- $1 portal_id. Client accounts that are neither removed nor mapped.
SELECT c.client_account_id, c.name
FROM client_accounts c
WHERE c.portal_id = $1 AND NOT c.removed
  AND NOT EXISTS (SELECT 1 FROM account_mappings m
                  WHERE m.portal_id = c.portal_id AND m.client_account_id = c.client_account_id)

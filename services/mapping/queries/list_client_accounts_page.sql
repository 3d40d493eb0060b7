-- $1 portal_id, $2 client_account_id ('' for all), $3 whether a position follows, $4 its
-- match_key, $5 its client_account_id, $6 limit. The client accounts the picker shows (not
-- removed, or removed but still mapped), in (match_key, client_account_id) order.
SELECT c.client_account_id, c.name, c.match_key
FROM client_accounts c
WHERE c.portal_id = $1
  AND ($2 = '' OR c.client_account_id = $2)
  AND (NOT c.removed OR EXISTS (SELECT 1 FROM account_mappings m
                                WHERE m.portal_id = c.portal_id
                                  AND m.client_account_id = c.client_account_id))
  AND (NOT $3::boolean OR (c.match_key, c.client_account_id) > ($4, $5))
ORDER BY c.match_key, c.client_account_id
LIMIT $6

-- $1 portal_id, $2 whether a position follows, $3 its match_key, $4 its client_account_id,
-- $5 limit. The client accounts the picker shows (not removed, or removed but still mapped), in
-- (match_key, client_account_id) order.
SELECT c.client_account_id, c.name, c.match_key
FROM client_accounts c
WHERE c.portal_id = $1
  AND (NOT c.removed OR EXISTS (SELECT 1 FROM account_mappings m
                                WHERE m.portal_id = c.portal_id
                                  AND m.client_account_id = c.client_account_id))
  AND (NOT $2::boolean OR (c.match_key, c.client_account_id) > ($3, $4))
ORDER BY c.match_key, c.client_account_id
LIMIT $5

-- $1 portal_id, $2 client_account_id.
SELECT client_account_id, name, removed
FROM client_accounts
WHERE portal_id = $1 AND client_account_id = $2

-- $1 portal_id, $2 client_account_id.
DELETE FROM account_mappings WHERE portal_id = $1 AND client_account_id = $2

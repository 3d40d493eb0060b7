-- $1 portal_id, $2 crm_account_id.
SELECT crm_account_id, name, removed
FROM crm_accounts
WHERE portal_id = $1 AND crm_account_id = $2

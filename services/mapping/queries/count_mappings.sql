-- $1 portal_id. How many client accounts are mapped.
SELECT count(*) AS mapped FROM account_mappings WHERE portal_id = $1

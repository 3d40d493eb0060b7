-- $1 portal_id. CRM accounts that are neither removed nor mapped.
SELECT a.crm_account_id, a.name
FROM crm_accounts a
WHERE a.portal_id = $1 AND NOT a.removed
  AND NOT EXISTS (SELECT 1 FROM account_mappings m
                  WHERE m.portal_id = a.portal_id AND m.crm_account_id = a.crm_account_id)

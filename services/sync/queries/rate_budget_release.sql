-- $1 permit id. Gives a CRM call's slot back; nothing when it was already given back or dropped.
DELETE FROM rate_budget_permits WHERE permit_id = $1 AND side = 'crm'

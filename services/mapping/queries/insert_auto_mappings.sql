-- $1 portal_id, $2 a JSON array of {client_account_id, crm_account_id}, $3 created_by, $4 now
-- (Unix µs). Maps every pair with origin 'auto'.
INSERT INTO account_mappings (portal_id, client_account_id, crm_account_id, origin, created_by,
                              create_time)
SELECT $1, r.client_account_id, r.crm_account_id, 'auto', $3,
       'epoch'::timestamptz + $4::bigint * interval '1 microsecond'
FROM jsonb_to_recordset($2::jsonb) AS r(client_account_id text, crm_account_id text)

-- $1 portal_id, $2 client_account_id, $3 crm_account_id, $4 origin, $5 created_by, $6 now (µs).
INSERT INTO account_mappings (portal_id, client_account_id, crm_account_id, origin, created_by,
                              create_time)
VALUES ($1, $2, $3, $4, $5, 'epoch'::timestamptz + $6::bigint * interval '1 microsecond')

-- A grant with its first token, replacing any grant of the key (keeping its create_time) and
-- making it ACTIVE again. A new fence ends any refresh lease of the old credentials, so a mint
-- under them still in flight stores nothing.
INSERT INTO grants (portal_id, side, accounts_server_url, api_domain, client_id,
                    client_secret_sealed, refresh_token_sealed, key_id, scopes, owner_email,
                    access_token_sealed, access_token_expire_time, create_time, update_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, string_to_array($9, ' '), $10, $11,
        to_timestamp($12::bigint / 1000000.0), to_timestamp($13::bigint / 1000000.0),
        to_timestamp($13::bigint / 1000000.0))
ON CONFLICT (portal_id, side) DO UPDATE
   SET accounts_server_url = EXCLUDED.accounts_server_url,
       api_domain = EXCLUDED.api_domain,
       client_id = EXCLUDED.client_id,
       client_secret_sealed = EXCLUDED.client_secret_sealed,
       refresh_token_sealed = EXCLUDED.refresh_token_sealed,
       key_id = EXCLUDED.key_id,
       scopes = EXCLUDED.scopes,
       owner_email = EXCLUDED.owner_email,
       state = 'ACTIVE',
       broken_reason = '',
       broken_time = NULL,
       access_token_sealed = EXCLUDED.access_token_sealed,
       access_token_expire_time = EXCLUDED.access_token_expire_time,
       update_time = EXCLUDED.update_time,
       refresh_fence = grants.refresh_fence + 1,
       refresh_owner = NULL,
       refresh_lease_until = NULL
RETURNING portal_id

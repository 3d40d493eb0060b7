-- A new grant with its first token; no row when the key is taken. Times in microseconds.
INSERT INTO grants (portal_id, side, accounts_server_url, api_domain, client_id,
                    client_secret_sealed, refresh_token_sealed, key_id, scopes, owner_email,
                    access_token_sealed, access_token_expire_time, create_time, update_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, string_to_array($9, ' '), $10, $11,
        to_timestamp($12::bigint / 1000000.0), to_timestamp($13::bigint / 1000000.0),
        to_timestamp($13::bigint / 1000000.0))
ON CONFLICT (portal_id, side) DO NOTHING
RETURNING portal_id

-- A new caller token; $7 is its expiry in microseconds since the epoch, 0 for none.
INSERT INTO caller_tokens (caller_token_id, caller_name, roles, portal_ids, token_sha256,
                           create_time, expire_time)
VALUES ($1, $2, string_to_array($3, ' '), string_to_array($4, ' '), $5,
        to_timestamp($6::bigint / 1000000.0),
        CASE WHEN $7::bigint = 0 THEN NULL ELSE to_timestamp($7::bigint / 1000000.0) END)

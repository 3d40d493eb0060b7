-- Logs one mint of the grant at $3 (microseconds since the epoch).
INSERT INTO token_mints (portal_id, side, mint_time)
VALUES ($1, $2, to_timestamp($3::bigint / 1000000.0))

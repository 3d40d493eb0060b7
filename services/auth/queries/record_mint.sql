-- Logs one mint of the grant at $3 (microseconds since the epoch) under lease fence $4 (0 for a
-- registration's check mint).
INSERT INTO token_mints (portal_id, side, mint_time, fence)
VALUES ($1, $2, to_timestamp($3::bigint / 1000000.0), $4)

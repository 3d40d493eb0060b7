-- The grant's mints after $3 (microseconds since the epoch).
SELECT count(*) AS count FROM token_mints
 WHERE portal_id = $1 AND side = $2 AND mint_time > to_timestamp($3::bigint / 1000000.0)

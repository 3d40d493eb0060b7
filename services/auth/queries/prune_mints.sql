-- Drops the grant's mints older than $3, which no window can count any more.
DELETE FROM token_mints
 WHERE portal_id = $1 AND side = $2 AND mint_time < to_timestamp($3::bigint / 1000000.0)

-- Drops the mint counted under lease fence $3: the accounts server certainly did not mint.
DELETE FROM token_mints WHERE portal_id = $1 AND side = $2 AND fence = $3

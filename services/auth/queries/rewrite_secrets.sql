-- Replaces a grant's sealed secrets (key rotation); a grant without a token keeps none.
UPDATE grants
   SET client_secret_sealed = $3,
       refresh_token_sealed = $4,
       access_token_sealed = CASE WHEN access_token_sealed IS NULL THEN NULL ELSE $5 END,
       key_id = $6,
       update_time = to_timestamp($7::bigint / 1000000.0)
 WHERE portal_id = $1 AND side = $2

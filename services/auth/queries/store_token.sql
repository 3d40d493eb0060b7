-- Makes a freshly minted (sealed) token the grant's shared token.
UPDATE grants
   SET access_token_sealed = $3,
       access_token_expire_time = to_timestamp($4::bigint / 1000000.0),
       api_domain = $5
 WHERE portal_id = $1 AND side = $2

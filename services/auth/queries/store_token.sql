-- Makes a freshly minted (sealed) token the grant's shared token and ends its refresh lease,
-- only while lease fence $6 is the grant's latest and the grant is ACTIVE. $5 is the api_domain
-- of the token reply: where the token's API calls go.
UPDATE grants
   SET access_token_sealed = $3,
       access_token_expire_time = to_timestamp($4::bigint / 1000000.0),
       api_domain = $5,
       refresh_owner = NULL,
       refresh_lease_until = NULL
 WHERE portal_id = $1 AND side = $2 AND refresh_fence = $6 AND state = 'ACTIVE'
RETURNING portal_id

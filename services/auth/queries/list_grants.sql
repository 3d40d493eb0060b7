-- A page of grants after key ($3, $4), filtered by portal ($1, '' any) and state ($2, '' any).
SELECT portal_id, side, accounts_server_url, api_domain, client_id, client_secret_sealed,
       refresh_token_sealed, key_id, array_to_string(scopes, ' ') AS scopes, owner_email, state,
       broken_reason, (extract(epoch FROM broken_time) * 1000000)::bigint AS broken_us,
       access_token_sealed,
       (extract(epoch FROM access_token_expire_time) * 1000000)::bigint AS access_token_expire_us,
       (extract(epoch FROM create_time) * 1000000)::bigint AS create_us,
       (extract(epoch FROM update_time) * 1000000)::bigint AS update_us
  FROM grants
 WHERE ($1::text = '' OR portal_id = $1)
   AND ($2::text = '' OR state = $2)
   AND (portal_id, side) > ($3::text, $4::text)
 ORDER BY portal_id, side
 LIMIT $5

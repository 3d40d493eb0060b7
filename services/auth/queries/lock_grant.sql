-- One grant by key with its refresh lease, row-locked until the transaction ends: taking a
-- refresh lease and rotating keys serialise on it. Held only for database work, never across a
-- call to the accounts server.
SELECT portal_id, side, accounts_server_url, api_domain, client_id, client_secret_sealed,
       refresh_token_sealed, key_id, array_to_string(scopes, ' ') AS scopes, owner_email, state,
       broken_reason, (extract(epoch FROM broken_time) * 1000000)::bigint AS broken_us,
       access_token_sealed,
       (extract(epoch FROM access_token_expire_time) * 1000000)::bigint AS access_token_expire_us,
       (extract(epoch FROM create_time) * 1000000)::bigint AS create_us,
       (extract(epoch FROM update_time) * 1000000)::bigint AS update_us,
       refresh_fence,
       (extract(epoch FROM refresh_lease_until) * 1000000)::bigint AS refresh_lease_until_us
  FROM grants
 WHERE portal_id = $1 AND side = $2
   FOR UPDATE

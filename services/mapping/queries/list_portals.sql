-- $1 the last portal_id of the previous page ('' for the first page), $2 limit.
SELECT portal_id, name, crm_org_id, rejection_policy, value_maps::text AS value_maps,
       (extract(epoch FROM create_time) * 1000000)::bigint AS create_micros,
       (extract(epoch FROM update_time) * 1000000)::bigint AS update_micros
FROM portals
WHERE portal_id > $1
ORDER BY portal_id
LIMIT $2

-- $1 portal_id.
SELECT portal_id, name, crm_org_id, rejection_policy, value_maps::text AS value_maps,
       (extract(epoch FROM create_time) * 1000000)::bigint AS create_micros,
       (extract(epoch FROM update_time) * 1000000)::bigint AS update_micros
FROM portals
WHERE portal_id = $1

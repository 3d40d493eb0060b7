-- $1 portal_id, $2 name, $3 crm_org_id, $4 rejection_policy, $5 value maps (JSON), $6 now (Unix
-- µs). Creates the portal or replaces its settings; `created` tells which.
INSERT INTO portals AS p (portal_id, name, crm_org_id, rejection_policy, value_maps, create_time,
                          update_time)
VALUES ($1, $2, $3, $4, $5::jsonb, 'epoch'::timestamptz + $6::bigint * interval '1 microsecond',
        'epoch'::timestamptz + $6::bigint * interval '1 microsecond')
ON CONFLICT (portal_id) DO UPDATE
  SET name = EXCLUDED.name, crm_org_id = EXCLUDED.crm_org_id,
      rejection_policy = EXCLUDED.rejection_policy, value_maps = EXCLUDED.value_maps,
      update_time = EXCLUDED.update_time
RETURNING portal_id, name, crm_org_id, rejection_policy, value_maps::text AS value_maps,
          (extract(epoch FROM create_time) * 1000000)::bigint AS create_micros,
          (extract(epoch FROM update_time) * 1000000)::bigint AS update_micros,
          (xmax = 0) AS created

-- $1 link_id. The canonical state of the link's fields, with the value each side last held
-- (NULL when unknown).
SELECT field, value::text AS value, version, source_side, source_event_id,
       (extract(epoch FROM source_time) * 1000000)::bigint AS source_micros,
       (extract(epoch FROM update_time) * 1000000)::bigint AS update_micros,
       crm_value::text AS crm_value, projects_value::text AS projects_value
FROM task_fields
WHERE link_id = $1

-- $1 link_id. The canonical state of the link's fields.
SELECT field, value::text AS value, version, source_side, source_event_id,
       (extract(epoch FROM source_time) * 1000000)::bigint AS source_micros,
       (extract(epoch FROM update_time) * 1000000)::bigint AS update_micros
FROM task_fields
WHERE link_id = $1

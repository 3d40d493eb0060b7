-- $1 link_id, $2 field, $3 value (JSON), $4 version, $5 source_side, $6 source time (Unix µs),
-- $7 source_event_id, $8 now (Unix µs). Sets the field's canonical value; the caller holds the
-- link's lock and computed the version from the state it read under it.
INSERT INTO task_fields (link_id, field, value, version, source_side, source_time,
                         source_event_id, update_time)
VALUES ($1, $2, $3::jsonb, $4, $5, 'epoch'::timestamptz + $6::bigint * interval '1 microsecond',
        $7, 'epoch'::timestamptz + $8::bigint * interval '1 microsecond')
ON CONFLICT (link_id, field) DO UPDATE
  SET value = EXCLUDED.value, version = EXCLUDED.version, source_side = EXCLUDED.source_side,
      source_time = EXCLUDED.source_time, source_event_id = EXCLUDED.source_event_id,
      update_time = EXCLUDED.update_time

-- $1 link_id, $2 origin_side, $3 event_id, $4 fields (JSON), $5 task_deleted, $6 actor (JSON),
-- $7 source time (Unix µs), $8 now (Unix µs).
INSERT INTO change_log (link_id, origin_side, event_id, fields, task_deleted, actor, source_time,
                        create_time)
VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb,
        'epoch'::timestamptz + $7::bigint * interval '1 microsecond',
        'epoch'::timestamptz + $8::bigint * interval '1 microsecond')
RETURNING change_id

-- $1 portal_id, $2 origin_side, $3 event_id, $4 outcome (JSON), $5 now (Unix µs). No row back
-- when the event was recorded meanwhile.
INSERT INTO processed_events (portal_id, origin_side, event_id, outcome, process_time)
VALUES ($1, $2, $3, $4::jsonb, 'epoch'::timestamptz + $5::bigint * interval '1 microsecond')
ON CONFLICT (portal_id, origin_side, event_id) DO NOTHING
RETURNING event_id

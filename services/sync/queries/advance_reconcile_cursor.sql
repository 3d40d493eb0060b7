-- $1 portal_id, $2 side ('crm' | 'projects'), $3 the new cursor, $4 now (both Unix µs). A cursor
-- never moves back: a late writer leaves a later one alone.
INSERT INTO reconcile_cursors (portal_id, side, cursor_time, update_time)
VALUES ($1, $2, 'epoch'::timestamptz + $3::bigint * interval '1 microsecond',
        'epoch'::timestamptz + $4::bigint * interval '1 microsecond')
ON CONFLICT (portal_id, side)
DO UPDATE SET cursor_time = GREATEST(reconcile_cursors.cursor_time, EXCLUDED.cursor_time),
              update_time = EXCLUDED.update_time

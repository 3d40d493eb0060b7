-- $1 portal_id, $2 side ('crm' | 'projects'), $3 body, $4 now (Unix µs).
INSERT INTO inbox (portal_id, side, body, receive_time)
VALUES ($1, $2, $3, 'epoch'::timestamptz + $4::bigint * interval '1 microsecond')
RETURNING inbox_id

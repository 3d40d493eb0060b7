-- $1 failure_id, $2 portal_id, $3 recipient_email, $4 recipient_name, $5 kind, $6 parameters
-- (JSON), $7 subject, $8 message_id, $9 now (Unix µs), $10 first attempt due (Unix µs). Returns
-- the new row's id, or no row when the failure id exists.
INSERT INTO notifications (failure_id, portal_id, recipient_email, recipient_name, kind,
                           parameters, subject, message_id, state, created_at, updated_at,
                           next_attempt_at)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, 'PENDING',
        'epoch'::timestamptz + $9::bigint * interval '1 microsecond',
        'epoch'::timestamptz + $9::bigint * interval '1 microsecond',
        'epoch'::timestamptz + $10::bigint * interval '1 microsecond')
ON CONFLICT (failure_id) DO NOTHING
RETURNING notification_id::text AS notification_id

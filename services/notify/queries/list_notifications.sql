-- $1 portal_id or '', $2 lower-case recipient email or '', $3 state or '', $4 whether a position
-- follows, $5 its create time (Unix µs), $6 its notification id, $7 limit. Newest first.
SELECT notification_id, failure_id, portal_id, recipient_email, recipient_name, kind, parameters,
       subject, state, attempts, last_error, message_id, created_us, updated_us, next_attempt_us,
       sent_us
FROM notification_rows
WHERE ($1 = '' OR portal_id = $1)
  AND ($2 = '' OR lower(recipient_email) = $2)
  AND ($3 = '' OR state = $3)
  AND (NOT $4::boolean OR
       (created_key, id_key) <
       ('epoch'::timestamptz + $5::bigint * interval '1 microsecond', $6::bigint))
ORDER BY created_key DESC, id_key DESC
LIMIT $7

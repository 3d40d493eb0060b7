SELECT notification_id, failure_id, portal_id, recipient_email, recipient_name, kind, parameters,
       subject, state, attempts, last_error, message_id, created_us, updated_us, next_attempt_us,
       sent_us
FROM notification_rows WHERE id_key = $1::bigint

-- $1 notification ids as a Postgres array literal ({1,2}), $2 attempts, same order, $3 lease
-- ends (Unix µs), same order, $4 now (Unix µs). Their queue items were claimed in this
-- transaction.
UPDATE notifications n
SET state = 'SENDING', attempts = c.attempts, next_attempt_at = NULL,
    lease_until = 'epoch'::timestamptz + c.lease_until_us * interval '1 microsecond',
    updated_at = 'epoch'::timestamptz + $4::bigint * interval '1 microsecond'
FROM unnest($1::bigint[], $2::integer[], $3::bigint[]) AS c(notification_id, attempts,
                                                             lease_until_us)
WHERE n.notification_id = c.notification_id

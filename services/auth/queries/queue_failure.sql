-- Queues a broken-grant failure for delivery to notify, due at once.
INSERT INTO grant_failures (failure_id, portal_id, side, owner_email, reason, occur_time,
                            next_attempt_time)
VALUES ($1, $2, $3, $4, $5, to_timestamp($6::bigint / 1000000.0),
        to_timestamp($6::bigint / 1000000.0))
ON CONFLICT (failure_id) DO NOTHING

-- $1 portal_id, $2 the channel's new expiry (Unix µs; NULL: unchanged, the renewal failed),
-- $3 the error ('' on success).
UPDATE crm_watch_channels
SET expire_time = COALESCE('epoch'::timestamptz + $2::bigint * interval '1 microsecond',
                           expire_time),
    lease_until = NULL,
    last_error = $3
WHERE portal_id = $1

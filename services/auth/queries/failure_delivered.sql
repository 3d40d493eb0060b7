-- notify accepted failure $1 at $2 (Unix µs), on attempt $3. Runs in the transaction that marks
-- its queue item done.
UPDATE grant_failures
   SET delivered_time = to_timestamp($2::bigint / 1000000.0), attempts = $3
 WHERE failure_id = $1

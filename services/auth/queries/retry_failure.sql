-- A delivery attempt failed: try again at $2.
UPDATE grant_failures
   SET attempts = attempts + 1,
       next_attempt_time = to_timestamp($2::bigint / 1000000.0),
       last_error = $3
 WHERE failure_id = $1

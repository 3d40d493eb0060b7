-- notify accepted the failure.
UPDATE grant_failures
   SET delivered_time = to_timestamp($2::bigint / 1000000.0), attempts = attempts + 1
 WHERE failure_id = $1

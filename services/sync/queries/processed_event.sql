-- $1 portal_id, $2 origin_side, $3 event_id.
SELECT outcome::text AS outcome,
       (extract(epoch FROM process_time) * 1000000)::bigint AS process_micros
FROM processed_events
WHERE portal_id = $1 AND origin_side = $2 AND event_id = $3

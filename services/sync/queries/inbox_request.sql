-- $1 inbox_id.
SELECT inbox_id, portal_id, side, body,
       (extract(epoch FROM receive_time) * 1000000)::bigint AS receive_micros
FROM inbox
WHERE inbox_id = $1

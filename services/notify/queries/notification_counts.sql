-- Per kind and state: how many, and the oldest one's creation (Unix µs).
SELECT kind, state, count(*)::bigint AS count,
       (extract(epoch FROM min(created_at)) * 1000000)::bigint AS oldest_created_us
FROM notifications
GROUP BY kind, state

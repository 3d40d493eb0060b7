-- $1 portal_id, $2 channel_id, $3 now (Unix µs). Returns the portal's channel, new or existing.
WITH added AS (
  INSERT INTO crm_watch_channels (portal_id, channel_id, create_time)
  VALUES ($1, $2, 'epoch'::timestamptz + $3::bigint * interval '1 microsecond')
  ON CONFLICT (portal_id) DO NOTHING
  RETURNING channel_id
)
SELECT channel_id FROM added
UNION ALL
SELECT channel_id FROM crm_watch_channels WHERE portal_id = $1
LIMIT 1

-- $1 portal_id, $2 side ('crm' | 'projects'), $3 secret_sha256, $4 now (Unix µs), $5 keep the
-- replaced secret valid as the previous one (a channel renewal) or not (an issued secret).
INSERT INTO webhook_secrets (portal_id, side, secret_sha256, create_time)
VALUES ($1, $2, $3, 'epoch'::timestamptz + $4::bigint * interval '1 microsecond')
ON CONFLICT (portal_id, side)
DO UPDATE SET secret_sha256 = EXCLUDED.secret_sha256,
              previous_sha256 = CASE WHEN $5::boolean THEN webhook_secrets.secret_sha256 END,
              create_time = EXCLUDED.create_time

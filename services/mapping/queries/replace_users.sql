-- $1 portal_id, $2 side ('crm' or 'projects'), $3 every user of that side Zoho has now, a JSON
-- array of {id, display_name, email, email_key, active} with unique ids, $4 now (Unix µs). As
-- replace_client_accounts.
WITH incoming AS (
  SELECT r.id, r.display_name, r.email, r.email_key, r.active
  FROM jsonb_to_recordset($3::jsonb)
       AS r(id text, display_name text, email text, email_key text, active boolean)
), clock AS (
  SELECT 'epoch'::timestamptz + $4::bigint * interval '1 microsecond' AS t
), upserted AS (
  INSERT INTO users AS u (portal_id, side, user_id, display_name, email, email_key, active,
                          removed, update_time)
  SELECT $1, $2, i.id, i.display_name, i.email, i.email_key, i.active, false, clock.t
  FROM incoming i, clock
  ON CONFLICT (portal_id, side, user_id) DO UPDATE
    SET display_name = EXCLUDED.display_name, email = EXCLUDED.email,
        email_key = EXCLUDED.email_key, active = EXCLUDED.active, removed = false,
        update_time = EXCLUDED.update_time
    WHERE (u.display_name, u.email, u.active)
          IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.email, EXCLUDED.active)
       OR u.removed
  RETURNING (xmax = 0) AS created
), gone AS (
  UPDATE users u SET removed = true, update_time = clock.t
  FROM clock
  WHERE u.portal_id = $1 AND u.side = $2 AND NOT u.removed
    AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.id = u.user_id)
  RETURNING 1
)
SELECT (SELECT count(*) FROM upserted WHERE created) AS created,
       (SELECT count(*) FROM upserted WHERE NOT created) AS updated,
       (SELECT count(*) FROM gone) AS removed

-- $1 portal_id, $2 every project Zoho has now, a JSON array of {id, name, client_account_id
-- (null: none), start_date, end_date ("yyyy-mm-dd" or null), strict} with unique ids, $3 now
-- (Unix µs). As replace_client_accounts; deal associations are left alone.
WITH incoming AS (
  SELECT r.id, r.name, r.client_account_id, r.start_date, r.end_date, r.strict
  FROM jsonb_to_recordset($2::jsonb)
       AS r(id text, name text, client_account_id text, start_date date, end_date date,
            strict boolean)
), clock AS (
  SELECT 'epoch'::timestamptz + $3::bigint * interval '1 microsecond' AS t
), upserted AS (
  INSERT INTO projects AS p (portal_id, project_id, name, client_account_id, start_date, end_date,
                             strict, removed, update_time)
  SELECT $1, i.id, i.name, i.client_account_id, i.start_date, i.end_date, i.strict, false, clock.t
  FROM incoming i, clock
  ON CONFLICT (portal_id, project_id) DO UPDATE
    SET name = EXCLUDED.name, client_account_id = EXCLUDED.client_account_id,
        start_date = EXCLUDED.start_date, end_date = EXCLUDED.end_date, strict = EXCLUDED.strict,
        removed = false, update_time = EXCLUDED.update_time
    WHERE (p.name, p.client_account_id, p.start_date, p.end_date, p.strict)
          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.client_account_id, EXCLUDED.start_date,
                            EXCLUDED.end_date, EXCLUDED.strict)
       OR p.removed
  RETURNING (xmax = 0) AS created
), gone AS (
  UPDATE projects p SET removed = true, update_time = clock.t
  FROM clock
  WHERE p.portal_id = $1 AND NOT p.removed
    AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.id = p.project_id)
  RETURNING 1
)
SELECT (SELECT count(*) FROM upserted WHERE created) AS created,
       (SELECT count(*) FROM upserted WHERE NOT created) AS updated,
       (SELECT count(*) FROM gone) AS removed

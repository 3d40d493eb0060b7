-- $1 portal_id, $2 every crm account Zoho has now, a JSON array of {id, name, match_key}
-- with unique ids, $3 now (Unix µs). Adds the new, updates the changed (one marked removed that
-- is back counts as changed), marks the others removed. One row: created, updated, removed.
WITH incoming AS (
  SELECT r.id, r.name, r.match_key
  FROM jsonb_to_recordset($2::jsonb) AS r(id text, name text, match_key text)
), clock AS (
  SELECT 'epoch'::timestamptz + $3::bigint * interval '1 microsecond' AS t
), upserted AS (
  INSERT INTO crm_accounts AS a (portal_id, crm_account_id, name, match_key, removed,
                                    update_time)
  SELECT $1, i.id, i.name, i.match_key, false, clock.t FROM incoming i, clock
  ON CONFLICT (portal_id, crm_account_id) DO UPDATE
    SET name = EXCLUDED.name, match_key = EXCLUDED.match_key, removed = false,
        update_time = EXCLUDED.update_time
    WHERE a.name IS DISTINCT FROM EXCLUDED.name OR a.removed
  RETURNING (xmax = 0) AS created
), gone AS (
  UPDATE crm_accounts a SET removed = true, update_time = clock.t
  FROM clock
  WHERE a.portal_id = $1 AND NOT a.removed
    AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.id = a.crm_account_id)
  RETURNING 1
)
SELECT (SELECT count(*) FROM upserted WHERE created) AS created,
       (SELECT count(*) FROM upserted WHERE NOT created) AS updated,
       (SELECT count(*) FROM gone) AS removed

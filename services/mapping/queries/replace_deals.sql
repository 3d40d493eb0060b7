-- $1 portal_id, $2 every deal Zoho has now, a JSON array of {id, name, crm_account_id (null:
-- none)} with unique ids, $3 now (Unix µs). As replace_client_accounts; the project association
-- (this service's own data) is left alone.
WITH incoming AS (
  SELECT r.id, r.name, r.crm_account_id
  FROM jsonb_to_recordset($2::jsonb) AS r(id text, name text, crm_account_id text)
), clock AS (
  SELECT 'epoch'::timestamptz + $3::bigint * interval '1 microsecond' AS t
), upserted AS (
  INSERT INTO deals AS d (portal_id, crm_deal_id, name, crm_account_id, removed, update_time)
  SELECT $1, i.id, i.name, i.crm_account_id, false, clock.t FROM incoming i, clock
  ON CONFLICT (portal_id, crm_deal_id) DO UPDATE
    SET name = EXCLUDED.name, crm_account_id = EXCLUDED.crm_account_id, removed = false,
        update_time = EXCLUDED.update_time
    WHERE (d.name, d.crm_account_id) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.crm_account_id)
       OR d.removed
  RETURNING (xmax = 0) AS created
), gone AS (
  UPDATE deals d SET removed = true, update_time = clock.t
  FROM clock
  WHERE d.portal_id = $1 AND NOT d.removed
    AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.id = d.crm_deal_id)
  RETURNING 1
)
SELECT (SELECT count(*) FROM upserted WHERE created) AS created,
       (SELECT count(*) FROM upserted WHERE NOT created) AS updated,
       (SELECT count(*) FROM gone) AS removed

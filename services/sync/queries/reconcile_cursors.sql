-- $1 portal_id. The portal's reconciliation cursors, one row per side read so far.
SELECT side, (extract(epoch FROM cursor_time) * 1000000)::bigint AS cursor_micros
FROM reconcile_cursors
WHERE portal_id = $1

-- Serializes the replicas queuing reconciliation passes, so that two of them never both find a
-- portal without a pending pass and queue one each. Held until the transaction ends.
SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.reconcile_passes'))

-- Serialises the replicas that store the caller tokens of their environment at start.
SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.environment_caller_tokens'))

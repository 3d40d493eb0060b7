-- $1 grant key, $2 side. Held until the transaction ends: one replica at a time counts and takes
-- the grant's permits on that side.
SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.rate_budget.' || $2),
                             hashtext($1))

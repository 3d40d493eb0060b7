-- $1 queue, $2 group. Tries the group's claim lock, held until the transaction ends: one
-- claimer per group at a time, so two claimers whose clocks order the group's items differently
-- never deadlock on its rows or share them.
SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.' || $1), hashtext($2))
  AS locked

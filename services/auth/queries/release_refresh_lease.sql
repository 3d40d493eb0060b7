-- Ends the grant's refresh lease without a new token, only while fence $3 is its latest.
UPDATE grants
   SET refresh_owner = NULL,
       refresh_lease_until = NULL
 WHERE portal_id = $1 AND side = $2 AND refresh_fence = $3
RETURNING portal_id

-- Every grant's key, in key order.
SELECT portal_id, side FROM grants ORDER BY portal_id, side

-- Deletes a grant; its mint log goes with it (ON DELETE CASCADE).
DELETE FROM grants WHERE portal_id = $1 AND side = $2 RETURNING portal_id

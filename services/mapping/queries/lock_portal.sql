-- $1 portal_id. Serialises the changes of one portal's links (map, unmap, auto-map) without
-- blocking readers; one row when the portal is configured.
SELECT portal_id FROM portals WHERE portal_id = $1 FOR NO KEY UPDATE

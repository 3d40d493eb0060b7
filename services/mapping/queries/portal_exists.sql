-- $1 portal_id. One row when the portal is configured.
SELECT portal_id FROM portals WHERE portal_id = $1

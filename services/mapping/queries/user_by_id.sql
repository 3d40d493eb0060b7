-- $1 portal_id, $2 side, $3 user_id.
SELECT side, user_id, display_name, email, email_key, active AND NOT removed AS active
FROM users
WHERE portal_id = $1 AND side = $2 AND user_id = $3

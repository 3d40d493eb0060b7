-- $1 portal_id, $2 email_key. At most one user per side (the lowest id if a side repeats an
-- email).
SELECT DISTINCT ON (side) side, user_id, display_name, email, email_key,
       active AND NOT removed AS active
FROM users
WHERE portal_id = $1 AND email_key = $2
ORDER BY side, user_id

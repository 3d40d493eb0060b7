-- $1 portal_id, $2 the last email_key of the previous page ('' for the first), $3 '' (all),
-- 'linked' or 'unlinked', $4 limit (emails). Users with an email, at most one per side and email,
-- in email_key order.
WITH page AS (
  SELECT u.email_key
  FROM users u
  WHERE u.portal_id = $1 AND u.email_key <> '' AND u.email_key > $2
  GROUP BY u.email_key
  HAVING $3 = '' OR ($3 = 'linked') = (count(DISTINCT u.side) = 2)
  ORDER BY u.email_key
  LIMIT $4
)
SELECT DISTINCT ON (u.email_key, u.side) u.side, u.user_id, u.display_name, u.email, u.email_key,
       u.active AND NOT u.removed AS active
FROM users u
JOIN page ON page.email_key = u.email_key
WHERE u.portal_id = $1
ORDER BY u.email_key, u.side, u.user_id

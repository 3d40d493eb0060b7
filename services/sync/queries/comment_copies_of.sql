-- $1 link_id, $2 the comment's side ('crm' | 'projects'), $3 its id on that side, $4 the other
-- side. The record of the comment's own copy (origin_side = $2), and the record whose copy the
-- comment is (a copy crmsync wrote on side $2).
SELECT copy_id, origin_side, deleted
FROM comment_copies
WHERE link_id = $1
  AND ((origin_side = $2 AND origin_comment_id = $3)
       OR (origin_side = $4 AND copy_comment_id = $3))

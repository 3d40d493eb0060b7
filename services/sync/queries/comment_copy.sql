-- $1 copy_id. A comment copy as delivery writes or deletes it.
SELECT copy_id, link_id, origin_side, content, COALESCE(copy_comment_id, '') AS copy_comment_id,
       deleted
FROM comment_copies
WHERE copy_id = $1

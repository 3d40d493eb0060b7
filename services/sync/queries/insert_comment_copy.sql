-- $1 link_id, $2 origin_side, $3 origin_comment_id, $4 content (the copy's text), $5 author
-- (JSON), $6 now (Unix µs).
INSERT INTO comment_copies (link_id, origin_side, origin_comment_id, content, author, create_time,
                            update_time)
VALUES ($1, $2, $3, $4, $5::jsonb, 'epoch'::timestamptz + $6::bigint * interval '1 microsecond',
        'epoch'::timestamptz + $6::bigint * interval '1 microsecond')
RETURNING copy_id

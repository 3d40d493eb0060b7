-- Comments copied between the two sides of a linked task (SubmitComment). A row is made when an
-- added comment is accepted, with the text its copy will carry; delivery records the copy's id on
-- the other side once it exists; a deletion of the original marks the row and queues the copy's
-- deletion. A comment arriving from a side with the id of a copy crmsync wrote there is
-- crmsync's own copy coming back (ECHO).
CREATE TABLE comment_copies (
  copy_id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  link_id           bigint      NOT NULL REFERENCES task_links ON DELETE CASCADE,
  -- The side the original comment is on; the copy is on the other one.
  origin_side       text        NOT NULL CHECK (origin_side IN ('crm', 'projects')),
  origin_comment_id text        NOT NULL,
  -- The copy's text: the original's content and its attribution.
  content           text        NOT NULL,
  -- {"user_id", "email", "display_name"} of the comment's author.
  author            jsonb       NOT NULL,
  -- The copy's id on the other side; NULL until delivery wrote the copy.
  copy_comment_id   text,
  -- The original was deleted, and with it the copy (queued).
  deleted           boolean     NOT NULL DEFAULT false,
  create_time       timestamptz NOT NULL,
  update_time       timestamptz NOT NULL,
  UNIQUE (link_id, origin_side, origin_comment_id)
);
CREATE UNIQUE INDEX comment_copies_by_copy ON comment_copies (link_id, origin_side, copy_comment_id)
  WHERE copy_comment_id IS NOT NULL;

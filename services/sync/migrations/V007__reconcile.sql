-- Per portal and side, up to when the periodic reconciliation has read Zoho: the next pass asks
-- for what changed since then (less an overlap for clocks that disagree). Written only after a
-- pass of that side succeeded.
CREATE TABLE reconcile_cursors (
  portal_id   text        NOT NULL,
  side        text        NOT NULL CHECK (side IN ('crm', 'projects')),
  cursor_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (portal_id, side)
);

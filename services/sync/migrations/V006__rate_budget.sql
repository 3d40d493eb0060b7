-- Zoho's rate limits per grant, shared by the sync replicas: one row per permit alive. A Zoho CRM
-- permit is a call in flight, deleted when the call ends, or dropped once its lease has passed
-- (its holder died); a Zoho Projects permit is one request, dropped a minute after it was made.
-- A replica counts a grant's live rows for a side before adding one (rate_budget_take).
CREATE TABLE rate_budget_permits (
  permit_id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  grant_key  text        NOT NULL,
  side       text        NOT NULL CHECK (side IN ('crm', 'projects')),
  expires_at timestamptz NOT NULL
);
CREATE INDEX rate_budget_permits_by_grant ON rate_budget_permits (grant_key, side, expires_at);

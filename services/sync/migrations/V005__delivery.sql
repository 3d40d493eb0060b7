-- The latest delivery of each linked task's writes to each side, as GetTaskSyncState reports it
-- (crmsync.sync.v1.SideDelivery). Written in the transaction that completes an outbox item.
CREATE TABLE task_deliveries (
  link_id           bigint      NOT NULL REFERENCES task_links ON DELETE CASCADE,
  side              text        NOT NULL CHECK (side IN ('crm', 'projects')),
  last_result       text        NOT NULL CHECK (last_result IN ('succeeded', 'retrying', 'failed')),
  last_attempt_time timestamptz NOT NULL,
  -- NULL until a write to the side succeeded.
  last_success_time timestamptz,
  -- '' on success. Never a secret.
  last_error        text        NOT NULL,
  PRIMARY KEY (link_id, side)
);

-- Failure notifications, one per failure id (the idempotency key), and their delivery state.
CREATE TABLE notifications (
  notification_id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  failure_id       text        NOT NULL UNIQUE CHECK (failure_id <> ''),
  portal_id        text        NOT NULL,
  recipient_email  text        NOT NULL,
  recipient_name   text        NOT NULL DEFAULT '',
  kind             text        NOT NULL,
  parameters       jsonb       NOT NULL DEFAULT '{}',
  state            text        NOT NULL DEFAULT 'PENDING'
                               CHECK (state IN ('PENDING', 'SENDING', 'SENT', 'DEAD')),
  attempts         integer     NOT NULL DEFAULT 0,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_by_portal_recipient ON notifications (portal_id, recipient_email);

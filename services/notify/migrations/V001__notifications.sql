-- Failure notifications, one per failure id (the idempotency key), and their delivery queue.
-- Times are written by the service's clock, so tests can drive them.
CREATE TABLE notifications (
  notification_id  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  failure_id       text        NOT NULL UNIQUE
                               CHECK (failure_id <> '' AND length(failure_id) <= 128),
  portal_id        text        NOT NULL CHECK (portal_id <> ''),
  recipient_email  text        NOT NULL,
  recipient_name   text        NOT NULL DEFAULT '',
  kind             text        NOT NULL,
  parameters       jsonb       NOT NULL,
  subject          text        NOT NULL,
  message_id       text        NOT NULL,
  state            text        NOT NULL DEFAULT 'PENDING'
                               CHECK (state IN ('PENDING', 'SENDING', 'SENT', 'DEAD')),
  attempts         integer     NOT NULL DEFAULT 0,
  last_error       text        NOT NULL DEFAULT '',
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  -- PENDING: when the next attempt is due.
  next_attempt_at  timestamptz CHECK ((state = 'PENDING') = (next_attempt_at IS NOT NULL)),
  -- SENDING: until when the sender that claimed it owns it.
  lease_until      timestamptz CHECK ((state = 'SENDING') = (lease_until IS NOT NULL)),
  sent_at          timestamptz
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX notifications_leased ON notifications (lease_until) WHERE state = 'SENDING';
CREATE INDEX notifications_newest ON notifications (created_at DESC, notification_id DESC);
CREATE INDEX notifications_by_recipient
  ON notifications (lower(recipient_email), created_at DESC, notification_id DESC);

-- The columns every read returns, in the order the store decodes them; times in Unix
-- microseconds. id_key and created_key, last, are for filtering and ordering on the indexes.
CREATE VIEW notification_rows AS
SELECT notification_id::text AS notification_id, failure_id, portal_id, recipient_email,
       recipient_name, kind, parameters::text AS parameters, subject, state, attempts, last_error,
       message_id,
       (extract(epoch FROM created_at) * 1000000)::bigint AS created_us,
       (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us,
       (extract(epoch FROM next_attempt_at) * 1000000)::bigint AS next_attempt_us,
       (extract(epoch FROM sent_at) * 1000000)::bigint AS sent_us,
       notification_id AS id_key, created_at AS created_key
FROM notifications;

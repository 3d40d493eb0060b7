-- Delivery moves onto the shared work queue (libs/work_queue): one item per notification in
-- queue 'notify_email', keyed by failure id, grouped by portal and recipient for digests. The
-- notifications table stays what Get and List read; its state is written in the queue's own
-- transactions.
CREATE TABLE work_items (
  item_id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue            text        NOT NULL CHECK (queue ~ '^[a-z_]+$'),
  item_key         text        NOT NULL CHECK (item_key <> ''),
  group_key        text        NOT NULL DEFAULT '',
  payload          text        NOT NULL DEFAULT '',
  state            text        NOT NULL DEFAULT 'PENDING'
                               CHECK (state IN ('PENDING', 'RUNNING', 'DONE', 'DEAD')),
  attempts         integer     NOT NULL DEFAULT 0,
  -- Incremented by every claim; a claim's writes carry the value it got.
  fence            bigint      NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz CHECK ((state = 'PENDING') = (next_attempt_at IS NOT NULL)),
  lease_until      timestamptz CHECK ((state = 'RUNNING') = (lease_until IS NOT NULL)),
  last_error       text        NOT NULL DEFAULT '',
  created_at       timestamptz NOT NULL,
  finished_at      timestamptz CHECK ((state IN ('DONE', 'DEAD')) = (finished_at IS NOT NULL)),
  UNIQUE (queue, item_key)
);
-- Claims, depth and age read only these partial indexes; finished items are in none but the
-- retention's.
CREATE INDEX work_items_due ON work_items (queue, next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX work_items_leased ON work_items (queue, lease_until) WHERE state = 'RUNNING';
CREATE INDEX work_items_open ON work_items (queue, created_at)
  WHERE state IN ('PENDING', 'RUNNING');
CREATE INDEX work_items_groups ON work_items (queue, group_key, item_id)
  WHERE state IN ('PENDING', 'RUNNING') AND group_key <> '';
CREATE INDEX work_items_dead ON work_items (queue) WHERE state = 'DEAD';
CREATE INDEX work_items_finished ON work_items (finished_at) WHERE state IN ('DONE', 'DEAD');

-- Notifications waiting to be sent move onto the queue; one being sent keeps its sender's lease
-- as its due time.
INSERT INTO work_items (queue, item_key, group_key, payload, state, attempts, next_attempt_at,
                        last_error, created_at)
SELECT 'notify_email', failure_id, portal_id || '/' || lower(recipient_email), notification_id::text,
       'PENDING', attempts, coalesce(next_attempt_at, lease_until), last_error, created_at
FROM notifications
WHERE state IN ('PENDING', 'SENDING');
UPDATE notifications
SET state = 'PENDING', next_attempt_at = lease_until, lease_until = NULL
WHERE state = 'SENDING';

-- The queue's indexes replace these.
DROP INDEX notifications_due;
DROP INDEX notifications_leased;

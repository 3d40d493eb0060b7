-- Rejected changes are relayed to notify through the shared work queue (libs/work_queue): queue
-- 'sync_failure_relay', one item per recorded failure keyed by its id, queued in the failure's
-- own transaction.
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

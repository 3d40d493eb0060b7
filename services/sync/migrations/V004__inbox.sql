-- The webhook receivers' inbox. A request Zoho POSTs to /webhooks/crm or /webhooks/projects that
-- passes the checks is stored here and answered at once; its processing is an item of the work
-- queue 'sync_inbox' (keyed by inbox_id), queued in the same transaction. Finished items are
-- deleted after the queue's retention, and their requests with them.
CREATE TABLE inbox (
  inbox_id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  portal_id    text        NOT NULL,
  side         text        NOT NULL CHECK (side IN ('crm', 'projects')),
  -- CRM: the notification's JSON body without its token; Projects: the webhook's parameters
  -- without the secret, as a JSON array of [name, value] pairs.
  body         text        NOT NULL,
  receive_time timestamptz NOT NULL,
  item_id      bigint      REFERENCES work_items ON DELETE CASCADE
);
CREATE INDEX inbox_item ON inbox (item_id);

-- The shared secret of each portal's webhooks on each side: the token of its CRM watch channels,
-- the secret parameter of its Projects webhooks. Only its SHA-256 is kept; the secret itself is
-- shown once, when it is issued. A channel renewal's new token keeps the one it replaces valid
-- (previous_sha256) for the notifications already on their way; an issued secret replaces both.
CREATE TABLE webhook_secrets (
  portal_id       text        NOT NULL,
  side            text        NOT NULL CHECK (side IN ('crm', 'projects')),
  secret_sha256   text        NOT NULL CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
  previous_sha256 text        CHECK (previous_sha256 ~ '^[0-9a-f]{64}$'),
  create_time     timestamptz NOT NULL,
  PRIMARY KEY (portal_id, side)
);

-- The CRM watch channel sync keeps registered for each portal whose CRM tasks it watches
-- (WatchCrmTasks). expire_time NULL: not registered yet. A replica renewing a channel holds it
-- until lease_until, so replicas renew each channel once.
CREATE TABLE crm_watch_channels (
  portal_id   text        PRIMARY KEY,
  channel_id  bigint      NOT NULL UNIQUE CHECK (channel_id > 0),
  expire_time timestamptz,
  lease_until timestamptz,
  last_error  text        NOT NULL DEFAULT '',
  create_time timestamptz NOT NULL
);
CREATE INDEX crm_watch_channels_due ON crm_watch_channels (expire_time NULLS FIRST);

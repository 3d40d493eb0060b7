-- OAuth grants to the Zoho APIs, one per (portal, side), with the grant's one shared access token.
-- Every *_sealed column holds a libs/crypto sealed value ("v1.<key_id>.<ciphertext>"), never a
-- secret in clear; key_id is the key the grant's secrets are sealed under.
CREATE TABLE grants (
  portal_id                 text        NOT NULL CHECK (portal_id <> ''),
  side                      text        NOT NULL CHECK (side IN ('CRM', 'PROJECTS')),
  accounts_server_url       text        NOT NULL,
  api_domain                text        NOT NULL,
  client_id                 text        NOT NULL,
  client_secret_sealed      text        NOT NULL,
  refresh_token_sealed      text        NOT NULL,
  key_id                    text        NOT NULL,
  scopes                    text[]      NOT NULL,
  owner_email               text        NOT NULL,
  state                     text        NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE', 'BROKEN')),
  broken_reason             text        NOT NULL DEFAULT '',
  broken_time               timestamptz,
  access_token_sealed       text,
  access_token_expire_time  timestamptz,
  create_time               timestamptz NOT NULL DEFAULT now(),
  update_time               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, side),
  CHECK ((access_token_sealed IS NULL) = (access_token_expire_time IS NULL))
);
CREATE INDEX grants_by_token_expiry ON grants (access_token_expire_time) WHERE state = 'ACTIVE';

-- Every mint at the accounts server, shared by replicas, to stay under Zoho's 10 mints per
-- refresh token in 10 minutes. Rows older than the window are pruned as new ones are written.
CREATE TABLE token_mints (
  portal_id  text        NOT NULL,
  side       text        NOT NULL,
  mint_time  timestamptz NOT NULL,
  FOREIGN KEY (portal_id, side) REFERENCES grants ON DELETE CASCADE
);
CREATE INDEX token_mints_by_grant_time ON token_mints (portal_id, side, mint_time);

-- Broken grants to report to their owners through notify's NotifyFailure, queued in the same
-- transaction that marks the grant BROKEN and kept after a grant is deleted or replaced.
CREATE TABLE grant_failures (
  failure_id         text        PRIMARY KEY,
  portal_id          text        NOT NULL,
  side               text        NOT NULL,
  owner_email        text        NOT NULL,
  reason             text        NOT NULL,
  occur_time         timestamptz NOT NULL,
  attempts           integer     NOT NULL DEFAULT 0,
  next_attempt_time  timestamptz NOT NULL,
  last_error         text        NOT NULL DEFAULT '',
  delivered_time     timestamptz
);
CREATE INDEX grant_failures_due ON grant_failures (next_attempt_time) WHERE delivered_time IS NULL;

-- Credentials of crmsync's own callers. Only the SHA-256 of a token is kept; the token is shown
-- once, at issue. State is derived: REVOKED when revoke_time is set, EXPIRED past expire_time.
CREATE TABLE caller_tokens (
  caller_token_id  text        PRIMARY KEY,
  caller_name      text        NOT NULL,
  roles            text[]      NOT NULL,
  portal_ids       text[]      NOT NULL,
  token_sha256     text        NOT NULL,
  create_time      timestamptz NOT NULL,
  expire_time      timestamptz,
  revoke_time      timestamptz
);
CREATE INDEX caller_tokens_newest ON caller_tokens (create_time DESC, caller_token_id DESC);

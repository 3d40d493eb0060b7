-- OAuth grants to the Zoho APIs, one per (portal, side). Secrets are AES-256-GCM ciphertexts;
-- each carries the id of the key that sealed it, so keys rotate.
CREATE TABLE grants (
  portal_id                 text        NOT NULL CHECK (portal_id <> ''),
  side                      text        NOT NULL CHECK (side IN ('CRM', 'PROJECTS')),
  accounts_server           text        NOT NULL,
  api_domain                text        NOT NULL,
  client_id                 text        NOT NULL,
  client_secret_sealed      bytea       NOT NULL,
  refresh_token_sealed      bytea       NOT NULL,
  key_id                    text        NOT NULL,
  scopes                    text[]      NOT NULL,
  owner_email               text        NOT NULL,
  state                     text        NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE', 'BROKEN')),
  broken_reason             text,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, side)
);

-- The one shared access token of a grant, for every replica.
CREATE TABLE access_tokens (
  portal_id      text        NOT NULL,
  side           text        NOT NULL,
  token_sealed   bytea       NOT NULL,
  key_id         text        NOT NULL,
  expires_at     timestamptz NOT NULL,
  minted_at      timestamptz NOT NULL,
  PRIMARY KEY (portal_id, side),
  FOREIGN KEY (portal_id, side) REFERENCES grants ON DELETE CASCADE
);

-- Every mint at the accounts server, to keep under Zoho's 10 per refresh token per 10 minutes.
CREATE TABLE token_mints (
  portal_id  text        NOT NULL,
  side       text        NOT NULL,
  minted_at  timestamptz NOT NULL,
  FOREIGN KEY (portal_id, side) REFERENCES grants ON DELETE CASCADE
);
CREATE INDEX token_mints_by_grant_time ON token_mints (portal_id, side, minted_at);

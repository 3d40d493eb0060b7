-- Portals (tenants), their Projects client accounts and CRM accounts, the links between them,
-- deals and the projects they belong to, and users of both sides linked by email.
CREATE TABLE portals (
  portal_id   text        PRIMARY KEY CHECK (portal_id <> ''),
  name        text        NOT NULL,
  crm_org_id  text        NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE client_accounts (
  portal_id   text NOT NULL REFERENCES portals ON DELETE CASCADE,
  account_id  text NOT NULL,
  name        text NOT NULL,
  -- the matching key: the name lower-cased with all white space removed
  name_key    text NOT NULL,
  PRIMARY KEY (portal_id, account_id)
);
CREATE INDEX client_accounts_by_name ON client_accounts (portal_id, name_key);

CREATE TABLE crm_accounts (
  portal_id   text NOT NULL REFERENCES portals ON DELETE CASCADE,
  account_id  text NOT NULL,
  name        text NOT NULL,
  name_key    text NOT NULL,
  PRIMARY KEY (portal_id, account_id)
);
CREATE INDEX crm_accounts_by_name ON crm_accounts (portal_id, name_key);

-- A client account maps to at most one CRM account and the other way round.
CREATE TABLE account_links (
  portal_id          text        NOT NULL,
  client_account_id  text        NOT NULL,
  crm_account_id     text        NOT NULL,
  linked_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (portal_id, client_account_id),
  UNIQUE (portal_id, crm_account_id),
  FOREIGN KEY (portal_id, client_account_id) REFERENCES client_accounts ON DELETE CASCADE,
  FOREIGN KEY (portal_id, crm_account_id) REFERENCES crm_accounts ON DELETE CASCADE
);

CREATE TABLE deals (
  portal_id       text NOT NULL REFERENCES portals ON DELETE CASCADE,
  deal_id         text NOT NULL,
  name            text NOT NULL,
  crm_account_id  text,
  project_id      text,
  PRIMARY KEY (portal_id, deal_id)
);
CREATE INDEX deals_by_project ON deals (portal_id, project_id);

CREATE TABLE users (
  portal_id         text NOT NULL REFERENCES portals ON DELETE CASCADE,
  email             text NOT NULL CHECK (email = lower(email)),
  display_name      text NOT NULL DEFAULT '',
  crm_user_id       text,
  projects_user_id  text,
  PRIMARY KEY (portal_id, email),
  UNIQUE (portal_id, crm_user_id),
  UNIQUE (portal_id, projects_user_id)
);

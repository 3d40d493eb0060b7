-- Portals and their settings; the directory copied from Zoho per portal (client accounts,
-- projects, Projects users; CRM accounts, deals, CRM users), and the links this service owns:
-- account mappings, deal → project associations. Records no longer in Zoho are marked removed,
-- never deleted, so the links that name them survive. Every key starts with portal_id.
CREATE TABLE portals (
  portal_id         text        PRIMARY KEY,
  name              text        NOT NULL,
  crm_org_id        text        NOT NULL,
  rejection_policy  text        NOT NULL
                    CHECK (rejection_policy IN ('report_only', 'report_and_restore')),
  -- The value maps as given (an empty map means the defaults), as written by ValueMapsToJson.
  value_maps        jsonb       NOT NULL,
  create_time       timestamptz NOT NULL,
  update_time       timestamptz NOT NULL
);

CREATE TABLE client_accounts (
  portal_id          text        NOT NULL REFERENCES portals ON DELETE CASCADE,
  client_account_id  text        NOT NULL,
  name               text        NOT NULL,
  match_key          text        NOT NULL,  -- MatchKey(name)
  removed            boolean     NOT NULL DEFAULT false,
  update_time        timestamptz NOT NULL,
  PRIMARY KEY (portal_id, client_account_id)
);
-- The candidate picker pages over client accounts in (match_key, id) order.
CREATE INDEX client_accounts_by_key ON client_accounts (portal_id, match_key, client_account_id);

CREATE TABLE crm_accounts (
  portal_id       text        NOT NULL REFERENCES portals ON DELETE CASCADE,
  crm_account_id  text        NOT NULL,
  name            text        NOT NULL,
  match_key       text        NOT NULL,
  removed         boolean     NOT NULL DEFAULT false,
  update_time     timestamptz NOT NULL,
  PRIMARY KEY (portal_id, crm_account_id)
);
CREATE INDEX crm_accounts_by_key ON crm_accounts (portal_id, match_key);

-- A client account is mapped to at most one CRM account and the other way round.
CREATE TABLE account_mappings (
  portal_id          text        NOT NULL,
  client_account_id  text        NOT NULL,
  crm_account_id     text        NOT NULL,
  origin             text        NOT NULL CHECK (origin IN ('manual', 'auto')),
  created_by         text        NOT NULL,
  create_time        timestamptz NOT NULL,
  PRIMARY KEY (portal_id, client_account_id),
  UNIQUE (portal_id, crm_account_id),
  FOREIGN KEY (portal_id, client_account_id) REFERENCES client_accounts ON DELETE CASCADE,
  FOREIGN KEY (portal_id, crm_account_id) REFERENCES crm_accounts ON DELETE CASCADE
);

CREATE TABLE projects (
  portal_id          text        NOT NULL REFERENCES portals ON DELETE CASCADE,
  project_id         text        NOT NULL,
  name               text        NOT NULL,
  client_account_id  text,  -- the client company as Projects names it; NULL: none
  start_date         date,
  end_date           date,
  strict             boolean     NOT NULL,
  removed            boolean     NOT NULL DEFAULT false,
  update_time        timestamptz NOT NULL,
  PRIMARY KEY (portal_id, project_id)
);

-- The project association is this service's own data: an import never changes it.
CREATE TABLE deals (
  portal_id       text        NOT NULL REFERENCES portals ON DELETE CASCADE,
  crm_deal_id     text        NOT NULL,
  name            text        NOT NULL,
  crm_account_id  text,
  removed         boolean     NOT NULL DEFAULT false,
  update_time     timestamptz NOT NULL,
  project_id      text,
  associate_time  timestamptz,
  PRIMARY KEY (portal_id, crm_deal_id),
  FOREIGN KEY (portal_id, project_id) REFERENCES projects ON DELETE CASCADE,
  CHECK ((project_id IS NULL) = (associate_time IS NULL))
);
CREATE INDEX deals_by_project ON deals (portal_id, project_id, name, crm_deal_id)
  WHERE project_id IS NOT NULL;

-- Users of both sides; a person is linked across sides by email_key (trimmed, lower-cased).
CREATE TABLE users (
  portal_id     text        NOT NULL REFERENCES portals ON DELETE CASCADE,
  side          text        NOT NULL CHECK (side IN ('crm', 'projects')),
  user_id       text        NOT NULL,
  display_name  text        NOT NULL,
  email         text        NOT NULL,
  email_key     text        NOT NULL,
  active        boolean     NOT NULL,
  removed       boolean     NOT NULL DEFAULT false,
  update_time   timestamptz NOT NULL,
  PRIMARY KEY (portal_id, side, user_id)
);
CREATE INDEX users_by_email ON users (portal_id, email_key, side, user_id);
